package org.mafspark.bench;

/**
 * How long each part of the benchmark runs. Repetitions are timed separately and reduced to their
 * median; warm-up lets the JIT and ND4J's workspaces settle first.
 *
 * @param gemmWarmup untimed sgemm runs per shape
 * @param gemmReps timed sgemm runs per shape
 * @param dataRows rows of synthetic data prepared for training
 * @param trainWarmupSeconds untimed training before the timed repetitions
 * @param trainReps timed training repetitions
 * @param trainRepSeconds target length of one training repetition
 * @param trainerEpochSeconds target length of one {@code FlowTrainer} epoch (sets its row count)
 * @param logProbRows rows per {@code logProb} call
 * @param logProbWarmup untimed {@code logProb} calls
 * @param logProbReps timed {@code logProb} calls
 * @param sampleRows rows per {@code sample} call
 * @param sampleWarmup untimed {@code sample} calls
 * @param sampleReps timed {@code sample} calls
 */
public record BenchSettings(int gemmWarmup, int gemmReps, int dataRows, double trainWarmupSeconds, int trainReps,
        double trainRepSeconds, double trainerEpochSeconds, int logProbRows, int logProbWarmup, int logProbReps,
        int sampleRows, int sampleWarmup, int sampleReps) {

    /** Rows per minibatch in the training measurements. */
    public static final int BATCH_SIZE = 512;
    /** Rows per scoring batch, the size Spark's scoring hands to the flow. */
    public static final int SCORE_BATCH = 65_536;

    /**
     * The full run (about two minutes on 2 cores). Training is timed after 12 s of untimed steps:
     * on 2 cores the JIT compiles a step's code for 10-15 s (batch-512 steps took 10-27 ms in the
     * first 4 s of a run and 5-9 ms from ~16 s on, measured), and a 3 s warm-up timed that mix.
     */
    public static BenchSettings full() {
        return new BenchSettings(3, 7, 131_072, 12.0, 5, 2.0, 4.0, SCORE_BATCH, 2, 7, SCORE_BATCH, 1, 5);
    }

    /** A short run for smoke tests (under half a minute). */
    public static BenchSettings quick() {
        return new BenchSettings(1, 3, 32_768, 1.0, 3, 0.5, 1.5, SCORE_BATCH, 1, 3, 16_384, 1, 3);
    }
}
