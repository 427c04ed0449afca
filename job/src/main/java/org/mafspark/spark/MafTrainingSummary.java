package org.mafspark.spark;

import java.util.List;
import java.util.Optional;
import org.mafspark.flow.EpochStats;

/**
 * How a {@link MafOutlierModel} was trained.
 *
 * @param history every epoch run: train and validation NLL (nats per row, original units), rows/s
 * @param bestEpoch the epoch whose parameters the model holds
 * @param stopReason why training stopped
 * @param trainRows rows trained on
 * @param validationRows rows held out
 * @param numWorkers parallel trainers
 * @param trainingSeconds wall time of {@code fit}, threshold included
 * @param contaminationThreshold how the threshold was derived from the contamination; empty when an
 *     absolute threshold was given
 */
public record MafTrainingSummary(List<EpochStats> history, int bestEpoch, String stopReason, long trainRows,
        long validationRows, int numWorkers, double trainingSeconds,
        Optional<AnomalyThreshold> contaminationThreshold) {

    public MafTrainingSummary {
        history = List.copyOf(history);
    }

    /** The epoch whose parameters were kept. */
    public EpochStats best() {
        return history.stream().filter(e -> e.epoch() == bestEpoch).findFirst()
                .orElseThrow(() -> new IllegalStateException("no epoch " + bestEpoch + " in the history"));
    }

    /** Training throughput over all epochs: rows trained divided by the time spent in training steps. */
    public double rowsPerSecond() {
        double seconds = history.stream().mapToDouble(EpochStats::seconds).sum();
        return seconds > 0 ? trainRows * history.size() / seconds : Double.NaN;
    }
}
