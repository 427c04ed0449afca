package org.mafspark.flow;

/**
 * One epoch of training, NLLs in nats per row in the ORIGINAL units of the features.
 *
 * @param epoch 1-based epoch number
 * @param trainNll mean NLL over the epoch's minibatches (parameters moving during the epoch)
 * @param validationNll NLL on the held-out rows after the epoch, NaN without validation
 * @param rowsPerSecond training throughput of the epoch
 * @param seconds wall time of the epoch
 */
public record EpochStats(int epoch, double trainNll, double validationNll, double rowsPerSecond, double seconds) {}
