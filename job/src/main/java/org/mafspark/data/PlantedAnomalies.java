package org.mafspark.data;

import java.util.Random;

/**
 * A semi-synthetic benchmark: realistic normal rows (correlated, skewed, non-linear, heteroscedastic,
 * bimodal and partly discrete features) with the four classic anomaly types planted among them
 * (the taxonomy of Han et al., ADBench, NeurIPS 2022):
 * <ul>
 *   <li>{@link Type#LOCAL}: a normal row with ONE feature corrupted by 4 to 6 of its standard
 *   deviations (the feature is recorded, so explanations can be checked);</li>
 *   <li>{@link Type#GLOBAL}: uniform in the box spanning 1.5 times the normal data's range;</li>
 *   <li>{@link Type#DEPENDENCY}: every feature taken from a different normal row: each marginal is
 *   normal, the joint is not;</li>
 *   <li>{@link Type#CLUSTERED}: a small tight cluster (0.2 sd wide) 3 sd away from the bulk.</li>
 * </ul>
 * Features (from two latent N(0,1) factors {@code a}, {@code b} and independent noise {@code e}):
 * {@code amount = exp(0.5 a)} (skewed), {@code linear = 0.8 a + 0.6 b}, {@code wave = 2 sin(a) + 0.3 e},
 * {@code product = a b + 0.5 e}, {@code count ~ Poisson(exp(0.5 + 0.4 b))} (discrete),
 * {@code level = round(2 + a + 0.5 e)} (integer), {@code mode = 2 sign(b) + 0.5 e} (bimodal),
 * {@code noise = e} (independent).
 */
public final class PlantedAnomalies {
    /** Feature names, in column order. */
    public static final String[] FEATURES = {"amount", "linear", "wave", "product", "count", "level", "mode",
            "noise"};
    /** Features holding integers. */
    public static final boolean[] DISCRETE = {false, false, false, false, true, true, false, false};

    /** The anomaly types, and {@link #NORMAL} for the normal rows. */
    public enum Type { NORMAL, LOCAL, GLOBAL, DEPENDENCY, CLUSTERED }

    /**
     * Rows, their type and, for {@link Type#LOCAL}, the corrupted feature (-1 otherwise).
     */
    public record Table(double[][] x, Type[] type, int[] corruptedFeature) {
        public int rows() {
            return x.length;
        }
    }

    private PlantedAnomalies() {}

    /** One normal row. */
    public static double[] normalRow(Random rng) {
        double a = rng.nextGaussian();
        double b = rng.nextGaussian();
        return new double[] {
            Math.exp(0.5 * a),
            0.8 * a + 0.6 * b,
            2 * Math.sin(a) + 0.3 * rng.nextGaussian(),
            a * b + 0.5 * rng.nextGaussian(),
            poisson(Math.exp(0.5 + 0.4 * b), rng),
            Math.round(2 + a + 0.5 * rng.nextGaussian()),
            2 * Math.signum(b) + 0.5 * rng.nextGaussian(),
            rng.nextGaussian()};
    }

    /** {@code n} normal rows. */
    public static double[][] normal(int n, long seed) {
        Random rng = new Random(seed);
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            x[i] = normalRow(rng);
        }
        return x;
    }

    /**
     * {@code normalRows} normal rows followed by {@code perType} anomalies of each type, shuffled
     * together.
     */
    public static Table generate(int normalRows, int perType, long seed) {
        Random rng = new Random(seed);
        double[][] normal = normal(normalRows, seed ^ 0x5DEECE66DL);
        double[] mean = new double[FEATURES.length];
        double[] sd = new double[FEATURES.length];
        double[] min = new double[FEATURES.length];
        double[] max = new double[FEATURES.length];
        moments(normal, mean, sd, min, max);
        int n = normalRows + 4 * perType;
        double[][] x = new double[n][];
        Type[] type = new Type[n];
        int[] corrupted = new int[n];
        java.util.Arrays.fill(corrupted, -1);
        int k = 0;
        for (double[] row : normal) {
            x[k] = row;
            type[k++] = Type.NORMAL;
        }
        double[] centre = new double[FEATURES.length];
        for (int j = 0; j < centre.length; j++) {
            centre[j] = mean[j] + (rng.nextBoolean() ? 3 : -3) * sd[j];
        }
        for (int i = 0; i < perType; i++) {
            double[] local = normalRow(rng);
            int j = rng.nextInt(FEATURES.length);
            local[j] += (rng.nextBoolean() ? 1 : -1) * (4 + 2 * rng.nextDouble()) * sd[j];
            if (DISCRETE[j]) {
                local[j] = Math.round(local[j]);
            }
            corrupted[k] = j;
            x[k] = local;
            type[k++] = Type.LOCAL;

            double[] global = new double[FEATURES.length];
            for (int f = 0; f < global.length; f++) {
                double half = 0.75 * (max[f] - min[f]);
                double mid = 0.5 * (max[f] + min[f]);
                global[f] = mid + half * (2 * rng.nextDouble() - 1);
                if (DISCRETE[f]) {
                    global[f] = Math.round(global[f]);
                }
            }
            x[k] = global;
            type[k++] = Type.GLOBAL;

            double[] dependency = new double[FEATURES.length];
            for (int f = 0; f < dependency.length; f++) {
                dependency[f] = normal[rng.nextInt(normal.length)][f];
            }
            x[k] = dependency;
            type[k++] = Type.DEPENDENCY;

            double[] clustered = new double[FEATURES.length];
            for (int f = 0; f < clustered.length; f++) {
                clustered[f] = centre[f] + 0.2 * sd[f] * rng.nextGaussian();
                if (DISCRETE[f]) {
                    clustered[f] = Math.round(clustered[f]);
                }
            }
            x[k] = clustered;
            type[k++] = Type.CLUSTERED;
        }
        // Shuffle so that anomalies are spread over partitions.
        for (int i = n - 1; i > 0; i--) {
            int r = rng.nextInt(i + 1);
            double[] tx = x[i];
            x[i] = x[r];
            x[r] = tx;
            Type tt = type[i];
            type[i] = type[r];
            type[r] = tt;
            int tc = corrupted[i];
            corrupted[i] = corrupted[r];
            corrupted[r] = tc;
        }
        return new Table(x, type, corrupted);
    }

    private static void moments(double[][] x, double[] mean, double[] sd, double[] min, double[] max) {
        int d = mean.length;
        java.util.Arrays.fill(min, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (double[] r : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += r[j] / x.length;
                min[j] = Math.min(min[j], r[j]);
                max[j] = Math.max(max[j], r[j]);
            }
        }
        for (double[] r : x) {
            for (int j = 0; j < d; j++) {
                sd[j] += (r[j] - mean[j]) * (r[j] - mean[j]) / x.length;
            }
        }
        for (int j = 0; j < d; j++) {
            sd[j] = Math.sqrt(sd[j]);
        }
    }

    /** A Poisson draw by Knuth's method: fine for the small means used here. */
    public static double poisson(double lambda, Random rng) {
        double l = Math.exp(-lambda);
        double p = 1;
        int k = 0;
        do {
            k++;
            p *= rng.nextDouble();
        } while (p > l);
        return k - 1;
    }
}
