package org.mafspark.bench;

import java.util.List;
import java.util.Locale;

/**
 * The Spark figures of {@code bench --spark}: parameter-averaging training rows/s per averaging
 * frequency against the one-JVM trainer, and end-to-end Parquet-to-Parquet scoring rows/s.
 *
 * @param master the Spark master the figures were measured on
 * @param cores Spark's default parallelism: task slots, and training workers
 * @param blasThreadsPerTask the BLAS threads each training task's matrix products used (in local
 *     mode {@code TaskThreads} gives each of the {@code cores} concurrent tasks its share of the
 *     cores, while the one-JVM trainer runs on {@code OMP_NUM_THREADS})
 * @param batchSizePerWorker rows per minibatch of each worker (and of the one-JVM trainer)
 * @param trainRows rows per training epoch
 * @param epochs epochs per fit
 * @param oneJvmRowsPerSecond the one-JVM {@code FlowTrainer}'s rows/s on the same rows (last epoch)
 * @param oneJvmRowsPerSecondPerCore {@code oneJvmRowsPerSecond / cores}
 * @param training one fit per averaging frequency and per batch size swept
 * @param scoreRows rows of the scored Parquet table
 * @param scoreFiles Parquet files it is stored as
 * @param scoreReadPartitions Spark partitions (tasks) reading it
 * @param threshold {@code log p(x)} threshold of the scoring model: the 0.1% quantile of its
 *     training rows, computed in one JVM (so that the flagged rows are a realistic share)
 * @param scoring the end-to-end scoring runs
 * @param loadAverage the 1-minute load average when the Spark part started (-1 if unknown)
 * @param seconds wall time of the Spark part, table generation included
 */
public record SparkReport(String master, int cores, int blasThreadsPerTask, int batchSizePerWorker, long trainRows,
        int epochs, double oneJvmRowsPerSecond, double oneJvmRowsPerSecondPerCore, List<SparkTraining> training,
        long scoreRows, int scoreFiles, int scoreReadPartitions, double threshold, List<SparkScoring> scoring,
        double loadAverage, double seconds) {

    public SparkReport {
        training = List.copyOf(training);
        scoring = List.copyOf(scoring);
    }

    /** The figures as plain-text tables, for the end of the bench's printed summary. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Spark %s (%d cores, %d BLAS threads per task, load average %.1f "
                + "at start), %d rows x %d epochs, batch %d per worker; one-JVM FlowTrainer %.0f rows/s (%.0f per "
                + "core)%n", master, cores, blasThreadsPerTask, loadAverage, trainRows, epochs, batchSizePerWorker,
                oneJvmRowsPerSecond, oneJvmRowsPerSecondPerCore));
        String tf = "%-22s %7s %12s %14s %16s %12s %10s %14s%n";
        sb.append(String.format(Locale.ROOT, tf, "averaging frequency", "batch", "rows/s", "rows/s/core",
                "one-JVM rows/s", "Spark/JVM", "fit s", "held-out NLL"));
        for (SparkTraining t : training) {
            sb.append(String.format(Locale.ROOT, tf, "every " + t.averagingFrequency(), t.batchSizePerWorker(),
                    String.format(Locale.ROOT, "%.0f", t.rowsPerSecond()),
                    String.format(Locale.ROOT, "%.0f", t.rowsPerSecondPerCore()),
                    String.format(Locale.ROOT, "%.0f", t.oneJvmRowsPerSecond()),
                    String.format(Locale.ROOT, "%.1f%%", 100 * t.ratio()),
                    String.format(Locale.ROOT, "%.1f", t.fitSeconds()),
                    String.format(Locale.ROOT, "%.4f", t.heldOutNll())));
        }
        sb.append(String.format(Locale.ROOT, "Scoring Parquet -> transform -> Parquet: %d rows in %d files (%d read "
                + "partitions), threshold log p <= %.3f%n", scoreRows, scoreFiles, scoreReadPartitions, threshold));
        String sf = "%-34s %12s %12s %10s%n";
        sb.append(String.format(Locale.ROOT, sf, "written", "rows out", "rows/s", "seconds"));
        for (SparkScoring s : scoring) {
            sb.append(String.format(Locale.ROOT, sf, s.name(), s.outputRows(),
                    String.format(Locale.ROOT, "%.0f", s.rowsPerSecond()),
                    String.format(Locale.ROOT, "%.1f", s.seconds())));
        }
        return sb.toString();
    }
}
