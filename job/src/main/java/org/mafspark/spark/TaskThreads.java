package org.mafspark.spark;

import org.apache.spark.SparkContext;
import org.mafspark.flow.NativeThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shares a local-mode JVM's cores among the Spark tasks that run in it: each task's BLAS calls get
 * {@code cores / task slots} threads (at least one).
 *
 * <p>Spark already runs one task per core; a task's matrix product that starts as many OpenMP
 * threads as there are cores oversubscribes the machine by the number of slots. Measured on the
 * default job (2 cores, {@code local[2]}): parameter-averaging training ran at ~9.5k rows/s with
 * two BLAS threads per task and ~21k rows/s with one. On a cluster the executors are JVMs of their
 * own; there {@code spark.executorEnv.OMP_NUM_THREADS} (1 in {@code conf/spark-cluster.conf}) does
 * the same.
 */
public final class TaskThreads {
    private static final Logger LOG = LoggerFactory.getLogger(TaskThreads.class);

    private TaskThreads() {}

    /** BLAS threads per task for {@code slots} concurrent tasks on {@code cores} cores. */
    public static int blasThreadsPerTask(int cores, int slots) {
        return Math.max(1, cores / Math.max(1, slots));
    }

    /**
     * In local mode (the driver JVM runs the tasks), sets BLAS threads per task for this JVM's cores
     * and the tasks that can run at once: the context's task slots, or fewer when the stage has
     * fewer {@code partitions} (a small input in one file, fewer training workers), leaving cores
     * their BLAS calls can use. Elsewhere does nothing. The setting stays for the JVM's later work,
     * since in local mode that work is the tasks'.
     */
    public static void shareCores(SparkContext sc, int partitions) {
        if (!sc.isLocal()) {
            return;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        int concurrent = Math.min(sc.defaultParallelism(), Math.max(1, partitions));
        int threads = blasThreadsPerTask(cores, concurrent);
        if (threads != NativeThreads.blasThreads()) {
            LOG.info("local mode: {} concurrent tasks on {} cores, BLAS threads per task {}", concurrent, cores,
                    threads);
            NativeThreads.setBlasThreads(threads);
        }
    }
}
