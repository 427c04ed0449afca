package org.mafspark.bench;

import java.util.List;

/**
 * Sizes of the Spark part of the benchmark ({@code bench --spark}).
 *
 * @param trainRows rows of {@link BenchData} trained on, by Spark and by the one-JVM trainer alike
 * @param epochs epochs per fit; the last one's rate is reported (the first pays JIT warm-up)
 * @param averagingFrequencies the averaging frequencies swept, one fit each (at batch
 *     {@link BenchSettings#BATCH_SIZE})
 * @param batchSizes the batch sizes per worker swept, one fit each (at the default averaging
 *     frequency)
 * @param scoreRows rows of the Parquet table scored end to end
 * @param scoreFiles Parquet files the scored table is written as (several, so that reading it
 *     splits over every core rather than over one file's row groups)
 */
public record SparkBenchSettings(int trainRows, int epochs, List<Integer> averagingFrequencies,
        List<Integer> batchSizes, int scoreRows, int scoreFiles) {

    public SparkBenchSettings {
        averagingFrequencies = List.copyOf(averagingFrequencies);
        batchSizes = List.copyOf(batchSizes);
    }

    /**
     * The full run: 100k training rows, 3 epochs, averaging every 1, 5 and 20 minibatches, batches of
     * 256 and 2048 besides 512, 1M rows scored.
     */
    public static SparkBenchSettings full() {
        return new SparkBenchSettings(100_000, 3, List.of(1, 5, 20), List.of(256, 2048), 1_000_000, 8);
    }

    /** A short run for smoke tests: 20k training rows, averaging every 5 minibatches, 100k rows scored. */
    public static SparkBenchSettings quick() {
        return new SparkBenchSettings(20_000, 2, List.of(5), List.of(2048), 100_000, 8);
    }
}
