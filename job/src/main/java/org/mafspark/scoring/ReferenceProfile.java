package org.mafspark.scoring;

import java.io.Serializable;
import java.util.List;

/**
 * What normal data looked like when the model was fitted, kept in the model so that every scoring
 * batch can be calibrated and compared against it: the log-densities of held-out normal rows (for
 * {@link TailProbability}) and the quantile bins of the log-density and of each feature (for
 * {@link PopulationStability}).
 *
 * @param tail calibrated tail probability from the reference log-densities
 * @param logProbBins drift bins of the log-density
 * @param featureBins drift bins of each feature, in the model's feature order
 * @param source which rows the reference came from (held-out validation rows, or the training rows
 *     when there was no validation split: then p-values are optimistic, the flow has seen those rows)
 */
public record ReferenceProfile(TailProbability tail, PopulationStability logProbBins,
        List<PopulationStability> featureBins, String source) implements Serializable {
    /** Quantile bins per drift statistic: deciles. */
    public static final int DRIFT_BINS = 10;
    /** Upper bound on the reference rows kept in a model (p-value resolution 1e-4, 80 kB). */
    public static final int MAX_ROWS = 10_000;

    public ReferenceProfile {
        featureBins = List.copyOf(featureBins);
    }

    /** From reference rows {@code [m][D]} (original units) and their log-densities. */
    public static ReferenceProfile of(double[][] rows, double[] logProbs, String source) {
        if (rows.length != logProbs.length || rows.length == 0) {
            throw new IllegalArgumentException("a reference needs as many log-densities as rows, and at least one: "
                    + rows.length + " rows, " + logProbs.length + " log-densities");
        }
        int d = rows[0].length;
        PopulationStability[] bins = new PopulationStability[d];
        double[] column = new double[rows.length];
        for (int j = 0; j < d; j++) {
            for (int i = 0; i < rows.length; i++) {
                column[i] = rows[i][j];
            }
            bins[j] = PopulationStability.fromReference(column, DRIFT_BINS);
        }
        return new ReferenceProfile(TailProbability.fromReference(logProbs),
                PopulationStability.fromReference(logProbs, DRIFT_BINS), List.of(bins), source);
    }

    /** Number of features. */
    public int features() {
        return featureBins.size();
    }
}
