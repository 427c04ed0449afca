package org.mafspark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;
import org.mafspark.data.Gaussian;
import org.mafspark.spark.MafOutlierDetector;
import org.mafspark.spark.MafOutlierModel;

/**
 * Fault injection on a real standalone cluster (master, worker, 2 executor JVMs on 127.0.0.1): an
 * executor JVM is SIGKILLed while a scoring job and while a parameter-averaging training run, at the
 * moment a task starts on it. Spark reports the task lost ({@link ExecutorLostFailure}), reruns it
 * on the surviving executor (the standalone master meanwhile launches a replacement JVM), and the
 * job completes: scoring writes the same rows with the same log-densities as an undisturbed run, and
 * training reaches the same held-out NLL band.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExecutorLossTest {
    static final int SCORED_ROWS = 160_000;
    static final int SCORING_PARTITIONS = 8;
    static final int TRAIN_ROWS = 12_000;
    static final int HELD_OUT_ROWS = 40_000;
    static final int EPOCHS = 4;

    static LocalSparkCluster cluster;
    static SparkSession spark;
    static Set<Long> pidsToCheck = new HashSet<>();

    @RegisterExtension
    static final TestWatcher DUMP_LOGS_ON_FAILURE = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (cluster != null) {
                System.err.println("---- cluster logs after the failure of " + context.getDisplayName() + " ----");
                cluster.dumpLogs(System.err);
            }
        }
    };

    @BeforeAll
    static void startCluster() {
        cluster = LocalSparkCluster.start();
        pidsToCheck.addAll(cluster.allPids());
        // One lost executor costs each of its running tasks one attempt: 4 attempts (Spark's default
        // outside local mode, pinned here as in conf/spark-cluster.conf) survive it with room to spare.
        spark = SparkSession.builder().config(cluster.sparkConf("executor-loss-test")
                .set("spark.task.maxFailures", "4")).getOrCreate();
        pidsToCheck.addAll(cluster.awaitExecutorPids(2, Duration.ofSeconds(120)));
    }

    @AfterAll
    static void stopCluster() {
        try {
            if (spark != null) {
                spark.stop();
            }
        } finally {
            if (cluster != null) {
                pidsToCheck.addAll(cluster.allPids());
                cluster.close();
            }
        }
        List<Long> alive = pidsToCheck.stream().filter(p -> ProcessHandle.of(p).isPresent()).sorted()
                .collect(Collectors.toList());
        assertTrue(alive.isEmpty(), "processes left running after close(): " + alive);
    }

    /**
     * Kills, once armed, the executor JVM of the {@code afterStarts}-th task start seen from then on,
     * and records every task lost with its executor.
     */
    static final class ExecutorKiller extends SparkListener {
        private final int afterStarts;
        private final AtomicInteger starts = new AtomicInteger();
        final AtomicReference<String> killedExecutor = new AtomicReference<>();
        final AtomicReference<Long> killedPid = new AtomicReference<>();
        final AtomicInteger lostTasks = new AtomicInteger();
        final AtomicInteger finishedTasks = new AtomicInteger();
        final Set<String> executorsAfterKill = ConcurrentHashMap.newKeySet();
        volatile CompletableFuture<Void> kill = CompletableFuture.completedFuture(null);

        ExecutorKiller(int afterStarts) {
            this.afterStarts = afterStarts;
        }

        @Override
        public void onTaskStart(SparkListenerTaskStart start) {
            String executor = start.taskInfo().executorId();
            if (killedExecutor.get() != null) {
                executorsAfterKill.add(executor);
            }
            if (starts.incrementAndGet() == afterStarts && killedExecutor.compareAndSet(null, executor)) {
                long pid = cluster.executorPid(executor).orElseThrow(() -> new IllegalStateException(
                        "no JVM for executor " + executor + " among " + cluster.executorPids()));
                killedPid.set(pid);
                // SIGKILL at once (the task has just been launched, so it is still running), and wait for
                // the exit off the listener bus.
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                kill = CompletableFuture.runAsync(() -> cluster.killExecutorIfAlive(pid));
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (end.reason() instanceof ExecutorLostFailure) {
                lostTasks.incrementAndGet();
            } else if (end.taskInfo().successful()) {
                finishedTasks.incrementAndGet();
            }
        }

        String describe() {
            return String.format("killed executor %s (PID %d), %d task(s) lost, %d finished, later tasks on %s",
                    killedExecutor.get(), killedPid.get(), lostTasks.get(), finishedTasks.get(), executorsAfterKill);
        }
    }

    /** Runs {@code job} with {@code killer} listening; returns the job's seconds. */
    static double runWith(ExecutorKiller killer, Runnable job) throws Exception {
        spark.sparkContext().addSparkListener(killer);
        long t0 = System.nanoTime();
        try {
            job.run();
        } finally {
            ParameterAveragingClusterTest.awaitListener(() -> killer.killedExecutor.get() == null
                    || killer.lostTasks.get() > 0);
            spark.sparkContext().removeSparkListener(killer);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        killer.kill.get(30, TimeUnit.SECONDS);
        return seconds;
    }

    /** Rows of the test Gaussian generated on the executors, deterministic per partition. */
    static Dataset<Row> gaussianRows(long rows, int partitions) {
        StructType schema = new StructType().add("id", DataTypes.LongType, false)
                .add("x0", DataTypes.DoubleType, false).add("x1", DataTypes.DoubleType, false);
        JavaRDD<Row> generated = spark.range(0, rows, 1, partitions).javaRDD().mapPartitions(ids -> {
            List<Row> out = new ArrayList<>();
            Gaussian g = new Gaussian(ParameterAveragingClusterTest.MEAN, ParameterAveragingClusterTest.COV);
            Random rng = null;
            while (ids.hasNext()) {
                long id = ids.next();
                if (rng == null) {
                    rng = new Random(id);
                }
                double[] x = g.sample(rng);
                out.add(RowFactory.create(id, x[0], x[1]));
            }
            return out.iterator();
        });
        return spark.createDataFrame(generated, schema);
    }

    @Test
    @Order(1)
    void scoringSurvivesALostExecutorWithIdenticalOutput(@TempDir Path tmp) throws Exception {
        String input = tmp.resolve("input.parquet").toString();
        gaussianRows(SCORED_ROWS, SCORING_PARTITIONS).write().parquet(input);
        // One read partition per file (Spark would pack the small files into 2): 8 tasks of 20k rows.
        spark.conf().set("spark.sql.files.maxPartitionBytes", "1m");
        Dataset<Row> rows = spark.read().parquet(input);
        assertEquals(SCORING_PARTITIONS, rows.rdd().getNumPartitions(), "scoring tasks");
        // Any flow will do: this test is about rows and their log-densities, not about accuracy.
        MafOutlierModel model = new MafOutlierDetector().setInputCols("x0", "x1").setMaxEpochs(1).setThreshold(-8.0)
                .setSeed(42L).fit(rows.limit(5_000));

        String undisturbedOut = tmp.resolve("undisturbed").toString();
        long u0 = System.nanoTime();
        model.transform(rows).write().parquet(undisturbedOut);
        double undisturbedSeconds = (System.nanoTime() - u0) / 1e9;

        // The 3rd task start: 2 tasks have run, 6 wait; the kill lands on a task just launched.
        ExecutorKiller killer = new ExecutorKiller(3);
        String disturbedOut = tmp.resolve("disturbed").toString();
        double disturbedSeconds = runWith(killer, () -> model.transform(rows).write().parquet(disturbedOut));
        long r0 = System.nanoTime();
        pidsToCheck.addAll(cluster.awaitExecutorPids(2, Duration.ofSeconds(120)));
        double replacementSeconds = (System.nanoTime() - r0) / 1e9;

        Dataset<Row> a = spark.read().parquet(undisturbedOut).select(functions.col("id"),
                functions.col("logProb").as("lpA"), functions.col("isAnomaly").as("flagA"));
        Dataset<Row> b = spark.read().parquet(disturbedOut).select(functions.col("id"),
                functions.col("logProb").as("lpB"), functions.col("isAnomaly").as("flagB"));
        long rowsA = a.count();
        Row bStats = b.agg(functions.count(functions.lit(1)), functions.countDistinct("id")).first();
        Dataset<Row> joined = a.join(b, "id");
        long matched = joined.count();
        long differing = joined.filter(functions.col("lpA").notEqual(functions.col("lpB"))
                .or(functions.col("flagA").notEqual(functions.col("flagB")))).count();
        System.out.printf("FAULT: scoring %d rows: undisturbed %.1f s, with a lost executor %.1f s (%s); "
                + "replacement executor up %.1f s after the job; %d rows matched by id, %d differ%n", SCORED_ROWS,
                undisturbedSeconds, disturbedSeconds, killer.describe(), replacementSeconds, matched, differing);

        assertTrue(killer.lostTasks.get() >= 1, "the kill did not land on a running task: " + killer.describe());
        assertEquals(SCORED_ROWS, rowsA, "undisturbed rows");
        assertEquals(SCORED_ROWS, bStats.getLong(0), "rows written despite the lost executor");
        assertEquals(SCORED_ROWS, bStats.getLong(1), "every id exactly once despite the rerun tasks");
        assertEquals(SCORED_ROWS, matched, "the same ids in both outputs");
        // A rerun task scores the same rows in the same 4096-row batches with the same broadcast flow.
        assertEquals(0, differing, "rows whose log p or flag differ from the undisturbed run");
    }

    @Test
    @Order(2)
    void trainingSurvivesALostExecutorInTheSameNllBand() throws Exception {
        // Exactly 2 partitions, one per worker, so the detector trains without a shuffle.
        Dataset<Row> rows = gaussianRows(TRAIN_ROWS, 2).cache();
        assertEquals(TRAIN_ROWS, rows.count());
        Gaussian g = new Gaussian(ParameterAveragingClusterTest.MEAN, ParameterAveragingClusterTest.COV);
        double[][] heldOut = g.sample(HELD_OUT_ROWS, 2L);

        long u0 = System.nanoTime();
        MafOutlierModel undisturbed = detector().fit(rows);
        double undisturbedSeconds = (System.nanoTime() - u0) / 1e9;

        // About the middle of the run: the moments job, then per epoch 3 averaging rounds of 2 tasks and
        // one NLL job of 4 tasks (train and validation splits).
        ExecutorKiller killer = new ExecutorKiller(20);
        MafOutlierModel[] disturbed = new MafOutlierModel[1];
        double disturbedSeconds = runWith(killer, () -> disturbed[0] = detector().fit(rows));
        pidsToCheck.addAll(cluster.awaitExecutorPids(2, Duration.ofSeconds(120)));
        rows.unpersist();

        double nllU = undisturbed.flow().meanNll(heldOut);
        double nllD = disturbed[0].flow().meanNll(heldOut);
        double[] pu = undisturbed.flow().network().params().toDoubleVector();
        double[] pd = disturbed[0].flow().network().params().toDoubleVector();
        double maxParamDiff = 0;
        for (int i = 0; i < pu.length; i++) {
            maxParamDiff = Math.max(maxParamDiff, Math.abs(pu[i] - pd[i]));
        }
        System.out.printf("FAULT: training %d rows x %d epochs: undisturbed %.1f s, with a lost executor %.1f s (%s); "
                + "held-out NLL (%d rows) undisturbed %.4f, disturbed %.4f, entropy %.4f; best epochs %d / %d; "
                + "max |param diff| %.3g%n", TRAIN_ROWS, EPOCHS, undisturbedSeconds, disturbedSeconds,
                killer.describe(), HELD_OUT_ROWS, nllU, nllD, g.entropy(),
                undisturbed.trainingSummary().bestEpoch(), disturbed[0].trainingSummary().bestEpoch(), maxParamDiff);

        assertTrue(killer.lostTasks.get() >= 1, "the kill did not land on a running task: " + killer.describe());
        assertEquals(EPOCHS, disturbed[0].trainingSummary().history().size(), "every epoch ran");
        // The band: -log p of this 2-D Gaussian has standard deviation 1 nat, so each held-out mean has
        // standard error 1/sqrt(40k) = 0.005; 4 of them plus 0.05 nat for a 4-epoch flow's excess (KL)
        // bound the distance to the entropy.
        double band = 4 / Math.sqrt(HELD_OUT_ROWS) + 0.05;
        assertEquals(g.entropy(), nllU, band, "undisturbed held-out NLL vs the entropy");
        assertEquals(g.entropy(), nllD, band, "disturbed held-out NLL vs the entropy");
        // Paired on the same held-out rows the sampling error cancels: two trainings of the same data may
        // differ by their excesses only (0.02 nat, as the one-JVM and cluster runs of the other test).
        assertEquals(nllU, nllD, 0.02, "disturbed vs undisturbed held-out NLL");
        assertFalse(Double.isNaN(maxParamDiff));
    }

    private static MafOutlierDetector detector() {
        return new MafOutlierDetector().setInputCols("x0", "x1").setMaxEpochs(EPOCHS).setNumWorkers(2)
                .setThreshold(-8.0).setSeed(42L);
    }
}
