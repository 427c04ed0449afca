package org.mafspark.data;

import java.util.Random;

/**
 * The seed notebook's data sets, generated exactly as it describes, with their true densities.
 *
 * <ul>
 *   <li>1-D: {@code mu + sigma * Z}, mu = 1, sigma = 0.5.</li>
 *   <li>2-D anomaly exercise: {@code 0.999 N([1.5,-1.5], [[1,0.1],[0.1,0.5]]) + 0.001
 *       N([-1,1], [[0.7,-0.2],[-0.2,1.2]])}; label 1 for the rare component (the anomalies).</li>
 * </ul>
 */
public final class NotebookData {
    public static final double MU = 1.0;
    public static final double SIGMA = 0.5;
    public static final double ANOMALY_WEIGHT = 0.001;

    /** The bulk of the 2-D exercise. */
    public static final Gaussian NORMAL = new Gaussian(new double[] {1.5, -1.5},
            new double[][] {{1.0, 0.1}, {0.1, 0.5}});
    /** The rare component of the 2-D exercise. */
    public static final Gaussian ANOMALY = new Gaussian(new double[] {-1.0, 1.0},
            new double[][] {{0.7, -0.2}, {-0.2, 1.2}});

    private NotebookData() {}

    /** {@code n} draws of {@code MU + SIGMA * Z}, as {@code [n][1]}. */
    public static double[][] gaussian1d(int n, long seed) {
        Random rng = new Random(seed);
        double[][] x = new double[n][1];
        for (int i = 0; i < n; i++) {
            x[i][0] = MU + SIGMA * rng.nextGaussian();
        }
        return x;
    }

    /** Rows and labels of the 2-D exercise. */
    public record Labelled(double[][] x, int[] label) {}

    /**
     * The 2-D exercise as the notebook builds it: exactly {@code round(0.001 n)} anomalies, the
     * rest normal, rows in shuffled order.
     */
    public static Labelled mixture2d(int n, long seed) {
        Random rng = new Random(seed);
        int anomalies = (int) Math.round(ANOMALY_WEIGHT * n);
        double[][] x = new double[n][];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            boolean a = i < anomalies;
            x[i] = (a ? ANOMALY : NORMAL).sample(rng);
            y[i] = a ? 1 : 0;
        }
        for (int i = n - 1; i > 0; i--) {
            int k = rng.nextInt(i + 1);
            double[] tx = x[i];
            x[i] = x[k];
            x[k] = tx;
            int ty = y[i];
            y[i] = y[k];
            y[k] = ty;
        }
        return new Labelled(x, y);
    }

    /** Exact {@code log p(x)} of the 2-D mixture. */
    public static double mixtureLogDensity(double[] x) {
        double a = Math.log1p(-ANOMALY_WEIGHT) + NORMAL.logDensity(x);
        double b = Math.log(ANOMALY_WEIGHT) + ANOMALY.logDensity(x);
        double m = Math.max(a, b);
        return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
    }

    /**
     * Differential entropy of the 2-D mixture, {@code -integral p log p}, by the midpoint rule on
     * a grid covering both components to beyond 10 standard deviations.
     */
    public static double mixtureEntropy() {
        double lo0 = -8;
        double hi0 = 8;
        double lo1 = -8;
        double hi1 = 8;
        int n = 1600;
        double h0 = (hi0 - lo0) / n;
        double h1 = (hi1 - lo1) / n;
        double s = 0;
        double[] x = new double[2];
        for (int i = 0; i < n; i++) {
            x[0] = lo0 + (i + 0.5) * h0;
            for (int j = 0; j < n; j++) {
                x[1] = lo1 + (j + 0.5) * h1;
                double lp = mixtureLogDensity(x);
                s -= Math.exp(lp) * lp;
            }
        }
        return s * h0 * h1;
    }
}
