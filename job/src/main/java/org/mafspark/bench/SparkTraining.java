package org.mafspark.bench;

/**
 * Spark parameter-averaging training at one averaging frequency, next to the one-JVM trainer on the
 * same rows.
 *
 * @param averagingFrequency minibatches each worker fits between two parameter averagings
 * @param batchSizePerWorker rows per minibatch on each worker
 * @param workers parallel trainers (Spark tasks, one per core in {@code local[n]})
 * @param rows rows per epoch
 * @param rowsPerSecond training rows/s of the last epoch (steady state), from the model's training summary
 * @param rowsPerSecondPerCore {@code rowsPerSecond / cores}
 * @param oneJvmRowsPerSecond the one-JVM {@code FlowTrainer}'s rows/s on the same rows
 * @param ratio {@code rowsPerSecond / oneJvmRowsPerSecond}: what averaging costs (both use every core)
 * @param epochSeconds wall time of the last epoch
 * @param fitSeconds wall time of the whole {@code fit} (moments, every epoch and its NLL pass)
 * @param heldOutNll mean NLL of fresh rows after the fit's epochs: what the setting buys or costs in
 *     quality, not only in speed
 */
public record SparkTraining(int averagingFrequency, int batchSizePerWorker, int workers, long rows, double rowsPerSecond,
        double rowsPerSecondPerCore, double oneJvmRowsPerSecond, double ratio, double epochSeconds,
        double fitSeconds, double heldOutNll) {}
