package org.mafspark.report;

import java.util.Random;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;

/**
 * Are samples drawn from the flow indistinguishable from held-out data? The energy distance
 * (Szekely and Rizzo) between the two samples in standardised units, with a permutation p-value, and
 * the two-sample Kolmogorov-Smirnov p-value of each feature as a breakdown.
 *
 * @param energyDistance {@code 2 E|X-Y| - E|X-X'| - E|Y-Y'|} (0 when the laws are equal)
 * @param pValue share of label permutations with a distance at least as large ({@code (1+k)/(1+P)})
 * @param permutations permutations {@code P}
 * @param featureKsPValues KS p-value of each feature
 * @param n rows per sample
 */
public record TwoSampleCheck(double energyDistance, double pValue, int permutations, double[] featureKsPValues,
        int n) {

    /** Level below which the report says the flow's samples are distinguishable from the data. */
    public static final double LEVEL = 0.01;

    /** Compares {@code data} and {@code samples} (same number of columns; rows may differ). */
    public static TwoSampleCheck of(double[][] data, double[][] samples, int permutations, long seed) {
        int n = data.length;
        int m = samples.length;
        int d = data[0].length;
        double[][] pooled = new double[n + m][];
        System.arraycopy(data, 0, pooled, 0, n);
        System.arraycopy(samples, 0, pooled, n, m);
        double[] mean = new double[d];
        double[] sd = new double[d];
        for (double[] r : pooled) {
            for (int j = 0; j < d; j++) {
                mean[j] += r[j] / pooled.length;
            }
        }
        for (double[] r : pooled) {
            for (int j = 0; j < d; j++) {
                sd[j] += (r[j] - mean[j]) * (r[j] - mean[j]) / pooled.length;
            }
        }
        for (int j = 0; j < d; j++) {
            sd[j] = sd[j] > 0 ? Math.sqrt(sd[j]) : 1;
        }
        int total = n + m;
        float[] dist = new float[total * total];
        for (int a = 0; a < total; a++) {
            for (int b = a + 1; b < total; b++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    double t = (pooled[a][j] - pooled[b][j]) / sd[j];
                    s += t * t;
                }
                dist[a * total + b] = dist[b * total + a] = (float) Math.sqrt(s);
            }
        }
        int[] labels = new int[total];
        for (int i = n; i < total; i++) {
            labels[i] = 1;
        }
        double observed = energy(dist, labels, n, m);
        Random rng = new Random(seed);
        int atLeast = 0;
        for (int p = 0; p < permutations; p++) {
            for (int i = total - 1; i > 0; i--) {
                int r = rng.nextInt(i + 1);
                int t = labels[i];
                labels[i] = labels[r];
                labels[r] = t;
            }
            if (energy(dist, labels, n, m) >= observed) {
                atLeast++;
            }
        }
        double[] ks = new double[d];
        KolmogorovSmirnovTest test = new KolmogorovSmirnovTest();
        for (int j = 0; j < d; j++) {
            final int col = j;
            ks[j] = test.kolmogorovSmirnovTest(java.util.Arrays.stream(data).mapToDouble(r -> r[col]).toArray(),
                    java.util.Arrays.stream(samples).mapToDouble(r -> r[col]).toArray());
        }
        return new TwoSampleCheck(observed, (1.0 + atLeast) / (1.0 + permutations), permutations, ks, n);
    }

    private static double energy(float[] dist, int[] labels, int n, int m) {
        int total = labels.length;
        double xy = 0;
        double xx = 0;
        double yy = 0;
        for (int a = 0; a < total; a++) {
            int la = labels[a];
            int row = a * total;
            for (int b = a + 1; b < total; b++) {
                double v = dist[row + b];
                int lb = labels[b];
                if (la != lb) {
                    xy += v;
                } else if (la == 0) {
                    xx += v;
                } else {
                    yy += v;
                }
            }
        }
        // Means over ordered pairs: cross pairs n*m; within pairs n(n-1) and m(m-1) (each counted twice).
        return 2 * xy / ((double) n * m) - 2 * xx / ((double) n * (n - 1)) - 2 * yy / ((double) m * (m - 1));
    }

    /** True when the samples are not distinguishable at {@link #LEVEL}. */
    public boolean passes() {
        return pValue > LEVEL;
    }
}
