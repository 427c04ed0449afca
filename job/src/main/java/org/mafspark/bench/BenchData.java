package org.mafspark.bench;

import java.util.Random;

/**
 * The benchmark's fixed, seeded, deliberately non-Gaussian 8-D table, so that timings run on data
 * shaped like real tables (multi-modal, skewed, heavy-tailed, non-linearly dependent columns)
 * rather than on noise the flow finds trivial:
 *
 * <ol>
 *   <li>{@code x1, x2}: a 3-component Gaussian mixture (weights 0.5/0.3/0.2) with correlations
 *       0.8, -0.6 and 0;</li>
 *   <li>{@code x3}: skewed, log-normal {@code exp(0.6 Z)};</li>
 *   <li>{@code x4}: heavy-tailed, Student t with 3 degrees of freedom;</li>
 *   <li>{@code x5}: a curved ridge, {@code sin(x1) + 0.1 x2^2 + 0.2 Z};</li>
 *   <li>{@code x6}: bimodal, {@code +-1 + 0.1 Z};</li>
 *   <li>{@code x7}: exponential with rate 1 (bounded below);</li>
 *   <li>{@code x8}: depends on {@code x3} and {@code x4}: {@code log x3 + 0.5 tanh(x4) + 0.3 Z}.</li>
 * </ol>
 */
public final class BenchData {
    /** Columns of the table. */
    public static final int FEATURES = 8;

    private static final double[] WEIGHTS = {0.5, 0.3, 0.2};
    private static final double[][] MEANS = {{-2.0, 0.0}, {1.5, 1.5}, {2.0, -2.0}};
    private static final double[][] SDS = {{1.0, 0.7}, {0.5, 1.2}, {0.8, 0.8}};
    private static final double[] RHO = {0.8, -0.6, 0.0};

    private BenchData() {}

    /** {@code n} rows, {@code [n][8]}; the same seed gives the same rows. */
    public static double[][] generate(int n, long seed) {
        Random rng = new Random(seed);
        double[][] x = new double[n][FEATURES];
        for (int i = 0; i < n; i++) {
            double[] r = x[i];
            int c = component(rng.nextDouble());
            double z1 = rng.nextGaussian();
            double z2 = rng.nextGaussian();
            r[0] = MEANS[c][0] + SDS[c][0] * z1;
            r[1] = MEANS[c][1] + SDS[c][1] * (RHO[c] * z1 + Math.sqrt(1 - RHO[c] * RHO[c]) * z2);
            double z3 = rng.nextGaussian();
            r[2] = Math.exp(0.6 * z3);
            r[3] = studentT3(rng);
            r[4] = Math.sin(r[0]) + 0.1 * r[1] * r[1] + 0.2 * rng.nextGaussian();
            r[5] = (rng.nextBoolean() ? 1.0 : -1.0) + 0.1 * rng.nextGaussian();
            r[6] = -Math.log1p(-rng.nextDouble());
            r[7] = 0.6 * z3 + 0.5 * Math.tanh(r[3]) + 0.3 * rng.nextGaussian();
        }
        return x;
    }

    private static int component(double u) {
        double acc = 0;
        for (int k = 0; k < WEIGHTS.length - 1; k++) {
            acc += WEIGHTS[k];
            if (u < acc) {
                return k;
            }
        }
        return WEIGHTS.length - 1;
    }

    /** {@code Z / sqrt(chi2_3 / 3)}: Student t with 3 degrees of freedom (infinite kurtosis). */
    private static double studentT3(Random rng) {
        double chi2 = 0;
        for (int k = 0; k < 3; k++) {
            double g = rng.nextGaussian();
            chi2 += g * g;
        }
        return rng.nextGaussian() / Math.sqrt(chi2 / 3);
    }
}
