package org.mafspark.bench;

import java.util.List;

/**
 * Sizes of the Spark part of the benchmark ({@code bench --spark}).
 *
 * @param trainRows rows of {@link BenchData} trained on, by Spark and by the one-JVM trainer alike
 * @param epochs epochs per fit; the last one's rate is reported (the first pays JIT warm-up)
 * @param averagingFrequencies the averaging frequencies swept, one fit each
 * @param scoreRows rows of the Parquet table scored end to end
 * @param scoreFiles Parquet files the scored table is written as (several, so that reading it
 *     splits over every core rather than over one file's row groups)
 */
public record SparkBenchSettings(int trainRows, int epochs, List<Integer> averagingFrequencies, int scoreRows,
        int scoreFiles) {

    public SparkBenchSettings {
        averagingFrequencies = List.copyOf(averagingFrequencies);
    }

    /** The full run: 100k training rows, averaging every 1, 5 and 20 minibatches, 1M rows scored. */
    public static SparkBenchSettings full() {
        return new SparkBenchSettings(100_000, 2, List.of(1, 5, 20), 1_000_000, 8);
    }

    /** A short run for smoke tests: 20k training rows, averaging every 5 minibatches, 100k rows scored. */
    public static SparkBenchSettings quick() {
        return new SparkBenchSettings(20_000, 2, List.of(5), 100_000, 8);
    }
}
