package org.mafspark.flow;

import java.io.Serializable;
import java.util.Random;

/**
 * Uniform noise added to the training rows so that no density can grow without bound on repeated
 * values. A continuous density fitted to values that repeat exactly (integer counts, a constant
 * column, duplicated rows) can put an ever narrower, ever higher spike on them: the training loss
 * falls towards minus infinity and the model learns nothing useful about the rest.
 *
 * <p>Each feature {@code j} gets {@code U(-w_j/2, w_j/2)} noise with width
 * <ul>
 *   <li>{@code w_j = 1} when every training value of the feature is an integer (counts, codes,
 *   flags): the flow then models the dequantised variable, and {@code log p(x)} at an integer
 *   {@code x} -- the centre of its unit cell -- estimates the log of the probability MASS of that
 *   value (density times the cell's width 1). This is the standard dequantisation of
 *   discrete data for flows (Uria et al. 2013; Theis et al. 2016);</li>
 *   <li>{@code w_j = RELATIVE_JITTER * scale_j} otherwise (scale_j = the standardisation's scale,
 *   1 for a constant column): far below the data's resolution, so continuous densities change by
 *   {@code O(RELATIVE_JITTER^2)} nats, but any spike is bounded by {@code 1 / w_j} per feature.</li>
 * </ul>
 * Scoring uses the rows as they are (no noise), so the same row always gets the same log-density.
 */
public final class Dequantization implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Width of the jitter on continuous features, in standard deviations. */
    public static final double RELATIVE_JITTER = 1e-3;

    private final double[] widths;

    private Dequantization(double[] widths) {
        this.widths = widths;
    }

    /** Widths from which features hold only integers and the standardisation's scales. */
    public static Dequantization of(boolean[] integral, double[] scale) {
        if (integral.length != scale.length) {
            throw new IllegalArgumentException(integral.length + " flags for " + scale.length + " scales");
        }
        double[] w = new double[integral.length];
        for (int j = 0; j < w.length; j++) {
            w[j] = integral[j] ? 1.0 : RELATIVE_JITTER * scale[j];
        }
        return new Dequantization(w);
    }

    /** The noise width of each feature. */
    public double[] widths() {
        return widths.clone();
    }

    /** A copy of {@code x} with fresh noise from {@code rng}. */
    public double[] apply(double[] x, Random rng) {
        double[] y = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            y[j] = x[j] + widths[j] * (rng.nextDouble() - 0.5);
        }
        return y;
    }

    /** True when every value of {@code x} is a finite integer. */
    public static boolean isIntegral(double v) {
        return Double.isFinite(v) && v == Math.rint(v);
    }
}
