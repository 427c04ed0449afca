package org.mafspark.flow;

/** Receives progress of a training run, once per epoch. */
@FunctionalInterface
public interface TrainingListener {
    void onEpoch(EpochStats stats, int maxEpochs);

    /** A listener that ignores progress. */
    TrainingListener NONE = (s, m) -> {};
}
