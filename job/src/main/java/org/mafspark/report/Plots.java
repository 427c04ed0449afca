package org.mafspark.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mafspark.flow.EpochStats;

/**
 * The report's figures as PNG bytes, drawn by XChart (headless AWT): the seed notebook's plots
 * (data against flow samples, the learned density, the anomaly exercise's scatter and its fraction of
 * anomalies selected against alpha) plus training curves, the log-density histogram and ROC / PR.
 */
public final class Plots {
    static final int WIDTH = 640;
    static final int HEIGHT = 420;
    private static final Color DATA = new Color(31, 119, 180);
    private static final Color FLOW = new Color(255, 127, 14);
    private static final Color FLAGGED = new Color(214, 39, 40);

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {}

    private static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y)
                .build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotGridLinesVisible(true);
        c.getStyler().setMarkerSize(4);
        // XChart's default tick format prints every digit of a computed tick.
        c.getStyler().setXAxisDecimalPattern("#,##0.###");
        c.getStyler().setYAxisDecimalPattern("#,##0.###");
        return c;
    }

    static byte[] png(XYChart c) {
        try {
            return BitmapEncoder.getBitmapBytes(c, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render " + c.getTitle(), e);
        }
    }

    private static XYSeries line(XYChart c, String name, double[] x, double[] y, Color color) {
        XYSeries s = c.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
        return s;
    }

    private static void verticalLine(XYChart c, String name, double x, double yMax) {
        XYSeries s = line(c, name, new double[] {x, x}, new double[] {0, yMax}, FLAGGED);
        s.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f},
                0f));
    }

    /** Training and validation NLL per epoch, the kept epoch marked. */
    public static byte[] lossCurves(List<EpochStats> history, int bestEpoch) {
        XYChart c = chart("Training curves", "epoch", "NLL (nats per row)");
        double[] epoch = history.stream().mapToDouble(EpochStats::epoch).toArray();
        line(c, "train", epoch, history.stream().mapToDouble(EpochStats::trainNll).toArray(), DATA)
                .setMarker(SeriesMarkers.CIRCLE);
        double[] val = history.stream().mapToDouble(EpochStats::validationNll).toArray();
        if (Arrays.stream(val).allMatch(Double::isFinite)) {
            line(c, "validation", epoch, val, FLOW).setMarker(SeriesMarkers.CIRCLE);
        }
        history.stream().filter(e -> e.epoch() == bestEpoch).findFirst().ifPresent(e -> {
            XYSeries b = c.addSeries("kept epoch " + bestEpoch, new double[] {bestEpoch},
                    new double[] {Double.isFinite(e.validationNll()) ? e.validationNll() : e.trainNll()});
            b.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            b.setMarker(SeriesMarkers.DIAMOND);
            b.setMarkerColor(FLAGGED);
        });
        return png(c);
    }

    /** Densities of two samples as step histograms on common bins (area 1 each). */
    static double[][] histogram(double[] values, double lo, double hi, int bins) {
        double[] x = new double[2 * bins];
        double[] y = new double[2 * bins];
        double width = (hi - lo) / bins;
        long[] counts = new long[bins];
        long n = 0;
        for (double v : values) {
            if (v >= lo && v <= hi) {
                counts[Math.min(bins - 1, (int) ((v - lo) / width))]++;
            }
            n++;
        }
        for (int b = 0; b < bins; b++) {
            x[2 * b] = lo + b * width;
            x[2 * b + 1] = lo + (b + 1) * width;
            y[2 * b] = y[2 * b + 1] = n == 0 ? 0 : counts[b] / (n * width);
        }
        return new double[][] {x, y};
    }

    private static double[] range(double[] a, double[] b) {
        double[] all = new double[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        Arrays.sort(all);
        // 0.5% .. 99.5%: a few extreme rows would otherwise squeeze the bulk into one bin.
        double lo = all[(int) (0.005 * (all.length - 1))];
        double hi = all[(int) (0.995 * (all.length - 1))];
        if (hi <= lo) {
            hi = lo + 1;
        }
        return new double[] {lo, hi};
    }

    /** Histogram of {@code log p} of a sample of rows, the threshold alpha marked. */
    public static byte[] logProbHistogram(double[] logProbs, double threshold) {
        double[] r = range(logProbs, new double[] {threshold});
        double lo = Math.min(r[0], threshold - 1);
        // log p is bounded above by the density's peak: show the whole bulk, not its 99.5% quantile.
        double hi = Arrays.stream(logProbs).max().orElse(r[1]);
        double[][] h = histogram(logProbs, lo, hi, 60);
        XYChart c = chart("Log-density of the rows", "log p(x)", "density");
        line(c, "rows (sample)", h[0], h[1], DATA);
        verticalLine(c, String.format("alpha = %.3f", threshold), threshold, Arrays.stream(h[1]).max().orElse(1));
        return png(c);
    }

    /** One feature: data against flow samples (the notebook's marginal histograms). */
    public static byte[] marginal(String feature, double[] data, double[] samples) {
        double[] r = range(data, samples);
        double[][] hd = histogram(data, r[0], r[1], 50);
        double[][] hs = histogram(samples, r[0], r[1], 50);
        XYChart c = chart("Marginal of " + feature + ": data vs flow samples", feature, "density");
        line(c, "data", hd[0], hd[1], DATA);
        line(c, "flow samples", hs[0], hs[1], FLOW);
        return png(c);
    }

    /** 1-D data: histogram of data and of flow samples with the learned pdf on top (the notebook's figure). */
    public static byte[] density1d(String feature, double[] data, double[] samples, double[] grid, double[] pdf) {
        double[] r = range(data, samples);
        double[][] hd = histogram(data, r[0], r[1], 50);
        double[][] hs = histogram(samples, r[0], r[1], 50);
        XYChart c = chart("Learned density of " + feature, feature, "density");
        line(c, "data", hd[0], hd[1], DATA);
        line(c, "flow samples", hs[0], hs[1], FLOW);
        XYSeries p = line(c, "flow pdf", grid, pdf, Color.BLACK);
        p.setLineStyle(new BasicStroke(2.5f));
        return png(c);
    }

    /**
     * Two features of a sample of rows, coloured by quintile of {@code log p} (darker = less likely),
     * flagged rows marked in red (the notebook's suggested plot).
     */
    public static byte[] scatter(String xName, String yName, double[] x, double[] y, double[] logProb,
            boolean[] flagged) {
        XYChart c = chart("Rows by log-density (" + xName + ", " + yName + ")", xName, yName);
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        c.getStyler().setMarkerSize(3);
        double[] sorted = logProb.clone();
        Arrays.sort(sorted);
        int k = 5;
        double[] cut = new double[k - 1];
        for (int i = 1; i < k; i++) {
            cut[i - 1] = sorted[(int) ((long) i * (sorted.length - 1) / k)];
        }
        Color[] shades = {new Color(8, 48, 107), new Color(33, 113, 181), new Color(107, 174, 214),
                new Color(189, 215, 238), new Color(222, 235, 247)};
        for (int q = 0; q < k; q++) {
            final int bin = q;
            int[] idx = java.util.stream.IntStream.range(0, x.length).filter(i -> !flagged[i]
                    && quintile(logProb[i], cut) == bin).toArray();
            if (idx.length == 0) {
                continue;
            }
            XYSeries s = c.addSeries("log p quintile " + (q + 1), pick(x, idx), pick(y, idx));
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setMarkerColor(shades[q]);
        }
        int[] f = java.util.stream.IntStream.range(0, x.length).filter(i -> flagged[i]).toArray();
        if (f.length > 0) {
            XYSeries s = c.addSeries("flagged (log p <= alpha)", pick(x, f), pick(y, f));
            s.setMarker(SeriesMarkers.CROSS);
            s.setMarkerColor(FLAGGED);
        }
        c.getStyler().setMarkerSize(5);
        return png(c);
    }

    private static int quintile(double v, double[] cut) {
        int q = 0;
        while (q < cut.length && v > cut[q]) {
            q++;
        }
        return q;
    }

    private static double[] pick(double[] a, int[] idx) {
        double[] out = new double[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = a[idx[i]];
        }
        return out;
    }

    /** The notebook's figure: share of true anomalies with {@code log p <= alpha}, against alpha. */
    public static byte[] fractionSelected(double[] alpha, double[] anomalies, double[] allRows, double threshold) {
        XYChart c = chart("Fraction selected as a function of alpha", "alpha (flag log p <= alpha)",
                "fraction selected");
        line(c, "true anomalies", alpha, anomalies, FLAGGED);
        line(c, "all rows", alpha, allRows, DATA);
        verticalLine(c, String.format("chosen alpha = %.3f", threshold), threshold, 1.0);
        return png(c);
    }

    /** ROC curve. */
    public static byte[] roc(double[] fpr, double[] tpr, double auc) {
        XYChart c = chart(String.format("ROC (AUC %.4f)", auc), "false positive rate", "true positive rate");
        line(c, "flow", fpr, tpr, DATA);
        line(c, "chance", new double[] {0, 1}, new double[] {0, 1}, Color.GRAY);
        return png(c);
    }

    /** Precision-recall curve. */
    public static byte[] pr(double[] recall, double[] precision, double auc) {
        XYChart c = chart(String.format("Precision-recall (area %.4f)", auc), "recall", "precision");
        line(c, "flow", recall, precision, DATA);
        return png(c);
    }
}
