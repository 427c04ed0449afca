package org.mafspark.flow;

import java.util.List;

/**
 * Outcome of a training run.
 *
 * @param flow the flow with the parameters of the best epoch
 * @param history every epoch run
 * @param bestEpoch the epoch whose parameters were kept
 * @param stopReason why training stopped
 */
public record TrainingResult(MaskedAutoregressiveFlow flow, List<EpochStats> history, int bestEpoch,
        String stopReason) {}
