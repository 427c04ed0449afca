package org.mafspark.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mafspark.scoring.PopulationStability;

/**
 * How far a scoring batch has moved from the data the model was fitted on: the Population Stability
 * Index ({@link PopulationStability}) of its log-densities and of each feature against the model's
 * reference profile, measured on {@code rows} rows of the batch.
 *
 * @param logProbPsi PSI of the log-density: the flow's own view of the whole joint distribution
 * @param featurePsi PSI of each feature's marginal, in the model's feature order
 * @param rows rows of the batch the figures come from (a uniform sample of large batches)
 */
public record DriftReport(double logProbPsi, Map<String, Double> featurePsi, long rows) {
    public DriftReport {
        featurePsi = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(featurePsi));
    }

    /** The warning level of every index. */
    public double warningLevel() {
        return PopulationStability.WARNING_LEVEL;
    }

    /** The feature with the largest PSI. */
    public Map.Entry<String, Double> worstFeature() {
        return featurePsi.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
    }

    /** True when the log-density or any feature is above the warning level. */
    public boolean drifted() {
        return logProbPsi > warningLevel() || worstFeature().getValue() > warningLevel();
    }

    /** One line for logs and the console. */
    public String describe() {
        Map.Entry<String, Double> worst = worstFeature();
        return String.format("drift (PSI, warning above %.2f): log p %.4f, worst feature %s %.4f on %d rows%s",
                warningLevel(), logProbPsi, worst.getKey(), worst.getValue(), rows,
                drifted() ? " -- WARNING: this batch does not look like the training data" : "");
    }
}
