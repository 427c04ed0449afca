package org.mafspark.scoring;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Drift of one quantity (a feature, or the log-density) between the reference data and a batch,
 * as the Population Stability Index over the reference's quantile bins:
 *
 * <pre>  PSI = sum_i (b_i - r_i) ln(b_i / r_i)</pre>
 *
 * where {@code r_i} and {@code b_i} are the fractions of reference and batch values in bin {@code i}.
 * It is the symmetrised Kullback-Leibler divergence of the binned distributions. Conventional reading
 * (credit scoring, where it comes from): below 0.1 no shift, 0.1 to 0.25 a moderate shift, above
 * {@link #WARNING_LEVEL} a shift to act on. Without drift its expected value is about
 * {@code (B - 1) (1/n_batch + 1/n_reference)} ({@code B} bins), far below the warning level for the
 * sample sizes used here. Empty bins are floored at {@link #FRACTION_FLOOR} so the index stays finite.
 */
public final class PopulationStability implements Serializable {
    private static final long serialVersionUID = 1L;

    /** PSI above which a batch is reported as drifted. */
    public static final double WARNING_LEVEL = 0.25;
    /** Smallest fraction a bin counts with (an empty bin would make the index infinite). */
    public static final double FRACTION_FLOOR = 1e-4;

    private final double[] edges;
    private final double[] referenceFractions;

    /**
     * @param edges increasing interior bin edges; bin {@code i} holds {@code edges[i-1] < x <= edges[i]}
     * @param referenceFractions fraction of the reference in each of the {@code edges.length + 1} bins
     */
    public PopulationStability(double[] edges, double[] referenceFractions) {
        if (referenceFractions.length != edges.length + 1) {
            throw new IllegalArgumentException(edges.length + " edges need " + (edges.length + 1) + " fractions, got "
                    + referenceFractions.length);
        }
        this.edges = edges.clone();
        this.referenceFractions = referenceFractions.clone();
    }

    /**
     * Bins at the reference's {@code bins}-quantiles (duplicate edges of discrete values merged, so
     * no reference bin is empty) with the reference's exact fraction in each.
     */
    public static PopulationStability fromReference(double[] reference, int bins) {
        if (reference.length == 0) {
            throw new IllegalArgumentException("drift needs a non-empty reference");
        }
        double[] s = reference.clone();
        Arrays.sort(s);
        double[] raw = new double[bins - 1];
        int k = 0;
        for (int i = 1; i < bins; i++) {
            double q = s[Math.min(s.length - 1, (int) Math.floor((double) i * s.length / bins))];
            // Merge equal quantiles (discrete values); an edge at the maximum would leave its upper bin empty.
            if ((k == 0 || q > raw[k - 1]) && q < s[s.length - 1]) {
                raw[k++] = q;
            }
        }
        double[] edges = Arrays.copyOf(raw, k);
        PopulationStability unit = new PopulationStability(edges, new double[k + 1]);
        long[] counts = new long[k + 1];
        for (double v : s) {
            counts[unit.bin(v)]++;
        }
        return new PopulationStability(edges, fractions(counts));
    }

    /** Number of bins. */
    public int bins() {
        return referenceFractions.length;
    }

    public double[] edges() {
        return edges.clone();
    }

    public double[] referenceFractions() {
        return referenceFractions.clone();
    }

    /** The bin of {@code x}: the number of edges strictly below it. */
    public int bin(double x) {
        int lo = 0;
        int hi = edges.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (edges[mid] < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The index of a batch given its count per bin. */
    public double index(long[] batchCounts) {
        if (batchCounts.length != bins()) {
            throw new IllegalArgumentException(batchCounts.length + " counts for " + bins() + " bins");
        }
        double[] b = fractions(batchCounts);
        double psi = 0;
        for (int i = 0; i < b.length; i++) {
            double bi = Math.max(b[i], FRACTION_FLOOR);
            double ri = Math.max(referenceFractions[i], FRACTION_FLOOR);
            psi += (bi - ri) * Math.log(bi / ri);
        }
        return psi;
    }

    private static double[] fractions(long[] counts) {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        double[] f = new double[counts.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = n == 0 ? 0 : (double) counts[i] / n;
        }
        return f;
    }
}
