package org.mafspark.report;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.ml.param.ParamPair;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.mafspark.flow.MaskedAutoregressiveFlow;
import org.mafspark.spark.DriftReport;
import org.mafspark.spark.MafOutlierModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers a {@link RunReport} for a scored table without collecting it: the plots use a uniform
 * sample of at most {@link #PLOT_ROWS} rows plus up to {@link #FLAGGED_ROWS} flagged rows, the
 * two-sample check {@link #CHECK_ROWS} rows against as many flow samples, the labelled metrics run
 * distributed ({@link LabelledEvaluation}).
 */
public final class ReportBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(ReportBuilder.class);
    static final int PLOT_ROWS = 20_000;
    static final int FLAGGED_ROWS = 2_000;
    static final int CHECK_ROWS = 800;
    static final int TOP_ROWS = 20;
    static final int MAX_MARGINALS = 8;

    private ReportBuilder() {}

    /** What the job knows about the run besides the model and the scored rows. */
    public record RunFacts(String title, Map<String, String> data, long rowsScored, long rowsFlagged,
            Optional<DriftReport> drift, Map<String, Double> timings, long seed) {}

    /**
     * @param scorable the rows that were scored (input columns, features usable)
     * @param anomalies the flagged rows as written (with the model's output columns)
     * @param labelCol optional label column of {@code scorable} (1 = anomaly)
     */
    public static RunReport build(MafOutlierModel model, Dataset<Row> scorable, Dataset<Row> anomalies,
            Optional<String> labelCol, RunFacts facts) {
        long t0 = System.nanoTime();
        String[] features = model.featureNames();
        int d = features.length;
        String lp = model.getLogProbCol();
        double fraction = Math.min(1.0, 1.2 * PLOT_ROWS / Math.max(1, facts.rowsScored()));
        List<String> cols = new ArrayList<>(Arrays.asList(features));
        cols.add(lp);
        cols.add(model.getPredictionCol());
        Dataset<Row> scoredSample = model.transform(scorable.sample(false, fraction, facts.seed()));
        List<Row> sample = scoredSample.select(cols.stream().map(c -> col("`" + c + "`")).toArray(
                org.apache.spark.sql.Column[]::new)).limit(PLOT_ROWS).collectAsList();
        List<Row> flaggedRows = anomalies.select(cols.stream().map(c -> col("`" + c + "`")).toArray(
                org.apache.spark.sql.Column[]::new)).orderBy(col(lp)).limit(FLAGGED_ROWS).collectAsList();
        double[][] x = matrix(sample, d);
        double[] logProb = sample.stream().mapToDouble(r -> r.getDouble(d)).toArray();

        MaskedAutoregressiveFlow flow = model.flow();
        double[][] flowSamples = toRows(flow.sample(Math.max(CHECK_ROWS, Math.min(x.length, 5000)), facts.seed()));
        Optional<TwoSampleCheck> check = x.length >= 50
                ? Optional.of(TwoSampleCheck.of(Arrays.copyOf(x, Math.min(CHECK_ROWS, x.length)),
                        Arrays.copyOf(flowSamples, CHECK_ROWS), 199, facts.seed()))
                : Optional.empty();
        Optional<LabelledEvaluation> labelled = labelCol.map(l -> LabelledEvaluation.of(model.transform(scorable),
                lp, l, model.getThreshold()));

        List<RunReport.Figure> figures = new ArrayList<>();
        figures.add(new RunReport.Figure("loss", "Training curves", "Mean negative log-likelihood per epoch; the "
                + "diamond marks the epoch whose parameters were kept.",
                Plots.lossCurves(model.trainingSummary().history(), model.trainingSummary().bestEpoch())));
        figures.add(new RunReport.Figure("logp", "Log-density", "Histogram of log p(x) over a sample of "
                + sample.size() + " rows; rows left of the dashed line are flagged.",
                Plots.logProbHistogram(logProb, model.getThreshold())));
        if (d == 1) {
            double[] data = column(x, 0);
            double[] sorted = data.clone();
            Arrays.sort(sorted);
            double lo = sorted[0];
            double hi = sorted[sorted.length - 1];
            double[][] grid = new double[200][1];
            for (int i = 0; i < grid.length; i++) {
                grid[i][0] = lo + (hi - lo) * i / (grid.length - 1);
            }
            double[] pdf = Arrays.stream(flow.logProb(grid)).map(Math::exp).toArray();
            figures.add(new RunReport.Figure("density", "Learned density", "Data and flow samples as histograms, "
                    + "the flow's pdf on top (the notebook's figure).", Plots.density1d(features[0], data,
                            column(flowSamples, 0), column(grid, 0), pdf)));
        } else {
            int[] pair = explainingPair(anomalies, model, features);
            double[][] withFlagged = concat(x, matrix(flaggedRows, d));
            double[] lpAll = concat(logProb, flaggedRows.stream().mapToDouble(r -> r.getDouble(d)).toArray());
            boolean[] flagged = new boolean[withFlagged.length];
            for (int i = 0; i < flagged.length; i++) {
                flagged[i] = lpAll[i] <= model.getThreshold();
            }
            figures.add(new RunReport.Figure("scatter", "Rows and anomalies", String.format(Locale.ROOT,
                    "A sample of rows on %s and %s (%s), shaded by log p quintile; flagged rows as red crosses.",
                    features[pair[0]], features[pair[1]], d == 2 ? "the two features"
                            : "the two features most often first in the explanations of flagged rows"),
                    Plots.scatter(features[pair[0]], features[pair[1]], column(withFlagged, pair[0]),
                            column(withFlagged, pair[1]), lpAll, flagged)));
        }
        for (int j = 0; j < Math.min(d, MAX_MARGINALS); j++) {
            figures.add(new RunReport.Figure("marginal-" + j, "Marginal of " + features[j], "Histogram of the data "
                    + "sample against as many rows drawn from the flow.", Plots.marginal(features[j], column(x, j),
                            column(flowSamples, j))));
        }
        labelled.ifPresent(l -> {
            figures.add(new RunReport.Figure("fraction", "Fraction selected", "Share of the labelled anomalies, and "
                    + "of all rows, with log p <= alpha (the notebook's exercise).", Plots.fractionSelected(l.alpha(),
                            l.fractionOfAnomalies(), l.fractionOfRows(), model.getThreshold())));
            figures.add(new RunReport.Figure("roc", "ROC", "Score -log p against the label column.",
                    Plots.roc(l.rocFpr(), l.rocTpr(), l.rocAuc())));
            figures.add(new RunReport.Figure("pr", "Precision-recall", "Score -log p against the label column.",
                    Plots.pr(l.prRecall(), l.prPrecision(), l.prAuc())));
        });

        List<String> topColumns = new ArrayList<>(Arrays.asList(anomalies.columns()));
        List<List<String>> topRows = new ArrayList<>();
        for (Row r : anomalies.orderBy(col(lp)).limit(TOP_ROWS).collectAsList()) {
            List<String> cells = new ArrayList<>();
            for (int i = 0; i < r.length(); i++) {
                cells.add(cell(r, i, model.getExplanationCol()));
            }
            topRows.add(cells);
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (ParamPair<?> p : model.extractParamMap().toList()) {
            Object v = p.value();
            params.put(p.param().name(), v instanceof String[] a ? String.join(", ", a) : String.valueOf(v));
        }
        Map<String, Double> timings = new LinkedHashMap<>(facts.timings());
        timings.put("report", (System.nanoTime() - t0) / 1e9);
        LOG.info("report: {} figures, two-sample p = {}", figures.size(),
                check.map(c -> String.format(Locale.ROOT, "%.3f", c.pValue())).orElse("n/a"));
        return new RunReport(facts.title(), params, facts.data(), model.trainingSummary(), model.getThreshold(),
                facts.rowsScored(), facts.rowsFlagged(), facts.drift(), check, labelled, topColumns, topRows, figures,
                timings);
    }

    /** The two features most often ranked first in the flagged rows' explanations (else the first two). */
    private static int[] explainingPair(Dataset<Row> anomalies, MafOutlierModel model, String[] features) {
        if (features.length == 2 || !Arrays.asList(anomalies.columns()).contains(model.getExplanationCol())) {
            return new int[] {0, 1};
        }
        Map<String, Integer> counts = new HashMap<>();
        for (Row r : anomalies.select(col(model.getExplanationCol()).getItem(0).getField("feature"))
                .limit(10_000).collectAsList()) {
            if (!r.isNullAt(0)) {
                counts.merge(r.getString(0), 1, Integer::sum);
            }
        }
        List<String> ranked = new ArrayList<>(counts.keySet());
        ranked.sort(Comparator.comparing((String f) -> -counts.get(f)).thenComparing(f -> f));
        List<String> names = Arrays.asList(features);
        int a = ranked.size() > 0 ? names.indexOf(ranked.get(0)) : 0;
        int b = ranked.size() > 1 ? names.indexOf(ranked.get(1)) : (a == 0 ? 1 : 0);
        return new int[] {a, b};
    }

    private static String cell(Row r, int i, String explanationCol) {
        if (r.isNullAt(i)) {
            return "";
        }
        if (r.schema().fields()[i].name().equals(explanationCol)) {
            StringBuilder b = new StringBuilder();
            for (Row c : r.<Row>getList(i)) {
                b.append(b.length() == 0 ? "" : ", ").append(c.getString(0))
                        .append(String.format(Locale.ROOT, " %.1f", c.getDouble(1)));
            }
            return b.toString();
        }
        Object v = r.get(i);
        return v instanceof Double dv ? ReportWriter.fmt(dv) : String.valueOf(v);
    }

    private static double[][] matrix(List<Row> rows, int d) {
        double[][] x = new double[rows.size()][d];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = ((Number) rows.get(i).get(j)).doubleValue();
            }
        }
        return x;
    }

    private static double[][] toRows(org.nd4j.linalg.api.ndarray.INDArray a) {
        return a.castTo(DataType.DOUBLE).toDoubleMatrix();
    }

    private static double[] column(double[][] x, int j) {
        return Arrays.stream(x).mapToDouble(r -> r[j]).toArray();
    }

    private static double[][] concat(double[][] a, double[][] b) {
        double[][] o = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, o, a.length, b.length);
        return o;
    }

    private static double[] concat(double[] a, double[] b) {
        double[] o = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, o, a.length, b.length);
        return o;
    }
}
