package org.mafspark.scoring;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The calibrated tail probability of a log-density: {@code pValue(lp)} estimates the probability
 * that a normal row scores at or below {@code lp}, from a reference sample of log-densities of
 * normal rows the flow was NOT trained on (the held-out validation rows).
 *
 * <p>The estimate is the conformal p-value {@code (#{s <= lp} + 1) / (m + 1)} over the {@code m}
 * reference scores {@code s}. If the reference and a new normal row are exchangeable it is valid at
 * every level: {@code P(pValue <= t) <= t}, with equality up to the step {@code 1/(m+1)}; ties
 * (discrete data) make it conservative, never optimistic. The smallest possible value is
 * {@code 1/(m+1)}: a row below every reference score is "rarer than all m", not "impossible", which is
 * all that m points can say. Scores of training rows would be biased upwards (the flow has seen them),
 * which is why the reference is held out.
 */
public final class TailProbability implements Serializable {
    private static final long serialVersionUID = 1L;

    private final double[] sorted;

    private TailProbability(double[] sorted) {
        this.sorted = sorted;
    }

    /** From reference log-densities of held-out normal rows (copied; every value must be finite). */
    public static TailProbability fromReference(double[] logProbs) {
        if (logProbs.length == 0) {
            throw new IllegalArgumentException("a tail probability needs at least one reference score");
        }
        double[] s = logProbs.clone();
        for (double v : s) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("reference log-density " + v + " is not finite");
            }
        }
        Arrays.sort(s);
        return new TailProbability(s);
    }

    /** Number of reference scores {@code m}. */
    public int size() {
        return sorted.length;
    }

    /** The reference scores, ascending. */
    public double[] reference() {
        return sorted.clone();
    }

    /** {@code (#{s <= logProb} + 1) / (m + 1)}; NaN for NaN. */
    public double pValue(double logProb) {
        if (Double.isNaN(logProb)) {
            return Double.NaN;
        }
        return (countAtOrBelow(logProb) + 1.0) / (sorted.length + 1.0);
    }

    /**
     * The log-density threshold equivalent to flagging {@code pValue <= p}: a row has
     * {@code pValue(lp) <= p} exactly when {@code lp <= logProbThreshold(p)}. It is
     * {@code -Infinity} when {@code p < 1/(m+1)} (no row can be that rare by this reference).
     */
    public double logProbThreshold(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("a p-value threshold must be in [0, 1], got " + p);
        }
        // pValue(lp) <= p  <=>  #{s <= lp} <= k, k = floor(p (m + 1)) - 1  <=>  lp < sorted[k].
        long k = (long) Math.floor(p * (sorted.length + 1.0) + 1e-9) - 1;
        if (k < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (k >= sorted.length) {
            return Double.POSITIVE_INFINITY;
        }
        return Math.nextDown(sorted[(int) k]);
    }

    private int countAtOrBelow(double x) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
