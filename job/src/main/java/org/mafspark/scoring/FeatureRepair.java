package org.mafspark.scoring;

import java.util.Arrays;
import java.util.Comparator;
import java.util.function.Function;

/**
 * Explains why a row is unlikely, feature by feature: the contribution of feature {@code j} is the
 * log-density the row would regain if ONLY feature {@code j} were changed to its most likely value
 * given the others,
 *
 * <pre>  contribution_j(x) = max_v log p(x with x_j = v) - log p(x)   (nats, >= 0)</pre>
 *
 * searched over a grid of {@code v} spanning the feature's training range (in standardised units
 * {@code -GRID_SPAN .. +GRID_SPAN} around the training mean). A feature corrupted on its own
 * (a "local" anomaly) regains the most; a value that is plausible alone but not with the others (a
 * "dependency" anomaly) is found too, because the search conditions on the other features. A
 * contribution near 0 means changing that feature alone would not make the row normal. The terms
 * need not add up to the row's deficit: features can explain the same surprise.
 *
 * <p>Cost: {@code D * GRID_POINTS} extra density evaluations per explained row, so the job explains
 * the flagged rows only.
 */
public final class FeatureRepair {
    /** Grid points per feature: a step of 0.25 standard deviations over +-4 (beyond it the data are thin). */
    public static final int GRID_POINTS = 33;
    /** Half-width of the grid in standard deviations of the training data. */
    public static final double GRID_SPAN = 4.0;

    private final Function<double[][], double[]> logDensity;
    private final double[] mean;
    private final double[] scale;

    /**
     * @param logDensity log p of each row of a batch (original units)
     * @param mean per-feature training mean
     * @param scale per-feature training standard deviation (the grid's unit)
     */
    public FeatureRepair(Function<double[][], double[]> logDensity, double[] mean, double[] scale) {
        if (mean.length != scale.length) {
            throw new IllegalArgumentException("mean and scale differ in length");
        }
        this.logDensity = logDensity;
        this.mean = mean.clone();
        this.scale = scale.clone();
    }

    /** A feature and what it contributes to a row's improbability, in nats. */
    public record Contribution(int feature, double nats) {}

    /**
     * The contributions of every feature to each row, {@code [rows][D]}, given the rows' own log
     * densities (as scored).
     */
    public double[][] contributions(double[][] rows, double[] logProbs) {
        int d = mean.length;
        int perRow = d * GRID_POINTS;
        double[][] out = new double[rows.length][d];
        // Enough rows per density call to amortise its overhead, few enough to bound memory.
        int chunk = Math.max(1, 65_536 / perRow);
        for (int start = 0; start < rows.length; start += chunk) {
            int n = Math.min(chunk, rows.length - start);
            double[][] probes = new double[n * perRow][];
            for (int i = 0; i < n; i++) {
                double[] x = rows[start + i];
                if (x.length != d) {
                    throw new IllegalArgumentException("row has " + x.length + " features, expected " + d);
                }
                for (int j = 0; j < d; j++) {
                    for (int g = 0; g < GRID_POINTS; g++) {
                        double[] p = x.clone();
                        p[j] = mean[j] + scale[j] * (-GRID_SPAN + 2 * GRID_SPAN * g / (GRID_POINTS - 1));
                        probes[(i * d + j) * GRID_POINTS + g] = p;
                    }
                }
            }
            double[] lp = logDensity.apply(probes);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) {
                    double best = Double.NEGATIVE_INFINITY;
                    for (int g = 0; g < GRID_POINTS; g++) {
                        best = Math.max(best, lp[(i * d + j) * GRID_POINTS + g]);
                    }
                    // The row's own value is a candidate too: a contribution is never negative.
                    out[start + i][j] = Math.max(0.0, best - logProbs[start + i]);
                }
            }
        }
        return out;
    }

    /** The features of one row ranked by contribution, largest first (ties by feature index). */
    public static Contribution[] ranked(double[] contributions) {
        Contribution[] c = new Contribution[contributions.length];
        for (int j = 0; j < c.length; j++) {
            c[j] = new Contribution(j, contributions[j]);
        }
        Arrays.sort(c, Comparator.comparingDouble(Contribution::nats).reversed()
                .thenComparingInt(Contribution::feature));
        return c;
    }
}
