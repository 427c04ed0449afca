package org.mafspark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
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
import org.mafspark.flow.EpochStats;
import org.mafspark.flow.FlowArchitecture;
import org.mafspark.flow.FlowNetworks;
import org.mafspark.flow.FlowTrainer;
import org.mafspark.flow.MaskedAutoregressiveFlow;
import org.mafspark.flow.MinibatchBuilder;
import org.mafspark.flow.Standardization;
import org.mafspark.flow.TrainingConfig;
import org.mafspark.flow.TrainingResult;
import org.mafspark.spark.MafOutlierDetector;
import org.mafspark.spark.MafOutlierModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Parameter averaging across two real executor JVMs of a standalone cluster
 * ({@link LocalSparkCluster}): the executors are distinct processes, the flow trained there
 * reaches the same NLL as one JVM, and scoring on the executors writes one row per input row.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ParameterAveragingClusterTest {
    /** The correlated 2-D Gaussian of FlowTrainingTest: entropy 3.0602 nats. */
    static final double[] MEAN = {1, -2};
    static final double[][] COV = {{2.0, 1.2}, {1.2, 1.5}};
    static final int TRAIN_ROWS = 20_000;
    static final int HELD_OUT_ROWS = 40_000;
    static final int BATCH_PER_WORKER = 256;
    static final int AVERAGING_FREQUENCY = 5;
    static final int CLUSTER_EPOCHS = 10;
    static final int LOCAL_EPOCHS = 20;

    static LocalSparkCluster cluster;
    static SparkSession spark;
    static JavaSparkContext jsc;
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
        long t0 = System.nanoTime();
        cluster = LocalSparkCluster.start();
        pidsToCheck.addAll(cluster.allPids());
        spark = cluster.sessionBuilder("parameter-averaging-cluster-test").getOrCreate();
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        pidsToCheck.addAll(cluster.awaitExecutorPids(2, Duration.ofSeconds(120)));
        System.out.printf("CLUSTER: master+worker ALIVE in %.1f s, 2 executors registered after %.1f s%n",
                cluster.startupTime().toMillis() / 1e3, (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    static void stopCluster() {
        try {
            if (spark != null) {
                spark.stop();
            }
        } finally {
            if (cluster != null) {
                pidsToCheck.addAll(cluster.executorPids());
                pidsToCheck.addAll(cluster.allPids());
                cluster.close();
            }
        }
        List<Long> alive = pidsToCheck.stream().filter(p -> ProcessHandle.of(p).isPresent()).sorted()
                .collect(Collectors.toList());
        assertTrue(pidsToCheck.size() >= 4, "master, worker and 2 executors were tracked: " + pidsToCheck);
        assertTrue(alive.isEmpty(), "processes left running after close(): " + alive);
    }

    @Test
    @Order(1)
    void tasksRunInTwoExecutorJvmsBesidesTheDriver() {
        long driver = ProcessHandle.current().pid();
        // Two partitions, one core per executor, the scheduler waits for both executors: the tasks
        // run concurrently, one per executor. The sleep keeps either from taking both.
        List<Long> pids = jsc.parallelize(Arrays.asList(0, 1), 2).map(i -> {
            Thread.sleep(300);
            return ProcessHandle.current().pid();
        }).collect();
        Set<Long> distinct = new HashSet<>(pids);
        assertEquals(2, distinct.size(), "task PIDs " + pids);
        assertFalse(distinct.contains(driver), "a task ran in the driver (PID " + driver + ")");
        assertEquals(new HashSet<>(cluster.executorPids()), distinct, "task PIDs are the worker's executor JVMs");
        pidsToCheck.addAll(distinct);
    }

    @Test
    @Order(2)
    void parameterAveragingOverTwoJvmsReachesTheEntropyLikeOneJvm() {
        Gaussian g = new Gaussian(MEAN, COV);
        double[][] train = g.sample(TRAIN_ROWS, 1L);
        double[][] heldOut = g.sample(HELD_OUT_ROWS, 2L);
        FlowArchitecture arch = FlowArchitecture.defaults(2);
        // Adam at 1e-3 pinned (the defaults belong to FlowTrainer and may be retuned), seed 42.
        TrainingConfig cfg = TrainingConfig.defaults().withBatchSize(BATCH_PER_WORKER).withLearningRate(1e-3)
                .withSeed(42L);
        Standardization std = Standardization.fit(train);

        // Minibatches are built on the executors from Java arrays, standardised there.
        double[] mean = std.mean();
        double[] scale = std.scale();
        JavaRDD<DataSet> batches = jsc.parallelize(Arrays.asList(train), 2)
                .mapPartitionsWithIndex((idx, rows) -> minibatches(rows, mean, scale, 7L + idx), false)
                .persist(StorageLevel.MEMORY_ONLY());
        long nBatches = batches.count();
        assertEquals((long) Math.ceil(TRAIN_ROWS / 2.0 / BATCH_PER_WORKER) * 2, nBatches, "minibatches");

        ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(BATCH_PER_WORKER)
                .batchSizePerWorker(BATCH_PER_WORKER)
                .averagingFrequency(AVERAGING_FREQUENCY)
                .workerPrefetchNumBatches(0)
                // The builder leaves saveUpdater false: Adam's moments then restart at every averaging
                // round (each step ~lr * sign(g)), which stalled at ~0.04 nat above the entropy.
                .saveUpdater(true)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                // Already 2 balanced partitions, one per executor: no shuffle of DataSets per split.
                .repartionData(Repartition.Never)
                // Must equal the RDD's level: the training master persists it, Spark refuses a change.
                .storageLevel(StorageLevel.MEMORY_ONLY())
                .rngSeed(cfg.seed())
                .build();
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(jsc,
                FlowNetworks.create(FlowNetworks.configuration(arch, cfg, DataType.FLOAT)), tm);

        long t0 = System.nanoTime();
        double lr = cfg.learningRate();
        for (int epoch = 1; epoch <= CLUSTER_EPOCHS; epoch++) {
            if (epoch > 6 && epoch % 2 == 1) {
                // Halve the rate every 2 epochs after the 6th (as FlowTrainer does on a plateau): at a
                // fixed rate the averaged model jitters by ~0.01 nat between epochs.
                lr /= 2;
                sparkNet.getNetwork().setLearningRate(lr);
            }
            long e0 = System.nanoTime();
            sparkNet.fit(batches);
            double s = (System.nanoTime() - e0) / 1e9;
            double nll = new MaskedAutoregressiveFlow(arch, std, sparkNet.getNetwork()).meanNll(
                    Arrays.copyOf(heldOut, 5_000));
            System.out.printf("CLUSTER: epoch %d/%d lr %.2g held-out NLL (5k rows) %.4f, %.1f s, %.0f rows/s%n",
                    epoch, CLUSTER_EPOCHS, lr, nll, s, TRAIN_ROWS / s);
        }
        double clusterSeconds = (System.nanoTime() - t0) / 1e9;
        batches.unpersist();
        MaskedAutoregressiveFlow flow = new MaskedAutoregressiveFlow(arch, std, sparkNet.getNetwork());

        long l0 = System.nanoTime();
        // The one-JVM reference: FlowTrainer with the project's defaults (validation split, plateau halving).
        TrainingResult localRun = new FlowTrainer(arch, TrainingConfig.defaults().withEpochs(LOCAL_EPOCHS),
                DataType.FLOAT).fit(train);
        MaskedAutoregressiveFlow local = localRun.flow();
        double localSeconds = (System.nanoTime() - l0) / 1e9;
        double localRowsPerSecond = localRun.history().stream().mapToDouble(EpochStats::rowsPerSecond).average()
                .orElse(Double.NaN);

        double entropy = g.entropy();
        double trueNll = 0;
        for (double[] row : heldOut) {
            trueNll -= g.logDensity(row);
        }
        trueNll /= heldOut.length;
        double clusterNll = flow.meanNll(heldOut);
        double localNll = local.meanNll(heldOut);
        System.out.printf("CLUSTER: %d epochs on 2 executor JVMs in %.1f s (%.0f rows/s); one JVM %d epochs in "
                + "%.1f s (%.0f rows/s)%n", CLUSTER_EPOCHS, clusterSeconds, CLUSTER_EPOCHS * TRAIN_ROWS / clusterSeconds,
                localRun.history().size(), localSeconds, localRowsPerSecond);
        System.out.printf("CLUSTER: held-out NLL (%d rows): cluster %.4f, one JVM %.4f, true density %.4f, "
                + "entropy %.4f%n", HELD_OUT_ROWS, clusterNll, localNll, trueNll, entropy);

        // -log p of a 2-D Gaussian is const + chi2_2 / 2: standard deviation 1 nat, so the held-out
        // mean has standard error 1/sqrt(n) = 0.005 for 40k rows. 4 standard errors, plus 0.01 nat for
        // the flow's own excess (KL, ~0.001 in the prototype), bound |NLL - entropy|.
        double tolerance = 4 / Math.sqrt(HELD_OUT_ROWS) + 0.01;
        assertEquals(entropy, clusterNll, tolerance, "cluster held-out NLL vs the entropy");
        assertEquals(entropy, localNll, tolerance, "one-JVM held-out NLL vs the entropy");
        // Paired on the same rows the sampling error cancels: what remains estimates KL(p || q).
        assertTrue(clusterNll - trueNll > -0.005 && clusterNll - trueNll < 0.02,
                "cluster excess over the true density " + (clusterNll - trueNll));
        // Same rows again: the two runs may differ by their excesses only.
        assertEquals(localNll, clusterNll, 0.02, "cluster vs one-JVM held-out NLL");
    }

    /**
     * Scoring on the executors with the project's Spark ML API: a {@link MafOutlierModel} fitted on
     * the cluster (one epoch, fixed threshold: this test is about rows, not accuracy) transforms 50k
     * rows generated on the executors; the Parquet written and read back holds each input row once,
     * no NaN log-density, and the executors' log-densities equal the driver's for the same flow.
     */
    @Test
    @Order(3)
    void scoringOnTheExecutorsWritesOneRowPerInputRow(@TempDir Path tmp) throws Exception {
        long rows = 50_000;
        StructType inSchema = new StructType()
                .add("id", DataTypes.LongType, false)
                .add("x0", DataTypes.DoubleType, false)
                .add("x1", DataTypes.DoubleType, false);
        // Rows generated on the executors (deterministic per partition), 4 partitions over 2 JVMs.
        JavaRDD<Row> generated = spark.range(0, rows, 1, 4).javaRDD().mapPartitions(ids -> {
            List<Row> out = new ArrayList<>();
            Gaussian g = new Gaussian(MEAN, COV);
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
        Dataset<Row> input = spark.createDataFrame(generated, inSchema);

        long f0 = System.nanoTime();
        MafOutlierModel model = new MafOutlierDetector()
                .setInputCols("x0", "x1")
                .setMaxEpochs(1)
                .setThreshold(-8.0)
                .setSeed(42L)
                .fit(input);
        double fitSeconds = (System.nanoTime() - f0) / 1e9;

        Set<String> executorIds = ConcurrentHashMap.newKeySet();
        SparkListener tasks = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                executorIds.add(end.taskInfo().executorId());
            }
        };
        Path out = tmp.resolve("scores.parquet");
        long t0 = System.nanoTime();
        spark.sparkContext().addSparkListener(tasks);
        try {
            model.transform(input).write().parquet(out.toString());
        } finally {
            awaitListener(() -> executorIds.size() >= 2);
            spark.sparkContext().removeSparkListener(tasks);
        }
        double writeSeconds = (System.nanoTime() - t0) / 1e9;

        Dataset<Row> back = spark.read().parquet(out.toString());
        Row stats = back.agg(functions.count(functions.lit(1)), functions.countDistinct("id"),
                functions.sum(functions.when(functions.isnan(functions.col("logProb"))
                        .or(functions.col("logProb").isNull()), 1).otherwise(0)),
                functions.avg("logProb")).first();
        System.out.printf("CLUSTER: MafOutlierDetector 1 epoch in %.1f s; transform + Parquet write of %d rows "
                + "%.1f s on executors %s; mean NLL %.4f; checks %.1f s%n", fitSeconds, rows, writeSeconds,
                executorIds, -stats.getDouble(3), (System.nanoTime() - t0) / 1e9 - writeSeconds);
        assertEquals(rows, stats.getLong(0), "one output row per input row");
        assertEquals(rows, stats.getLong(1), "every id exactly once");
        assertEquals(0L, stats.getLong(2), "NaN or null log-probabilities");
        assertEquals(2, executorIds.size(), "the scoring tasks ran on both executors: " + executorIds);
        assertFalse(executorIds.contains("driver"), "a scoring task ran in the driver");

        // The model travelled intact: the driver's log-densities agree on a sample of rows.
        List<Row> sample = back.filter(functions.col("id").lt(2_000)).select("x0", "x1", "logProb").collectAsList();
        assertEquals(2_000, sample.size(), "rows with id < 2000");
        double[][] x = new double[sample.size()][];
        for (int i = 0; i < x.length; i++) {
            x[i] = new double[] {sample.get(i).getDouble(0), sample.get(i).getDouble(1)};
        }
        double[] driverLp = model.flow().logProb(x);
        double maxDiff = 0;
        for (int i = 0; i < x.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(driverLp[i] - sample.get(i).getDouble(2)));
        }
        assertTrue(maxDiff < 1e-4, "executor vs driver logProb, max |diff| " + maxDiff);
    }

    /** Listener events arrive asynchronously: waits up to 10 s for {@code done}. */
    static void awaitListener(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    /** One executor partition of raw rows as shuffled, standardised minibatches of the flow's states. */
    static Iterator<DataSet> minibatches(Iterator<double[]> rows, double[] mean, double[] scale, long seed) {
        List<double[]> z = new ArrayList<>();
        while (rows.hasNext()) {
            double[] r = rows.next();
            double[] s = new double[r.length];
            for (int j = 0; j < r.length; j++) {
                s[j] = (r[j] - mean[j]) / scale[j];
            }
            z.add(s);
        }
        double[][] zs = z.toArray(new double[0][]);
        int[] order = new int[zs.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Random rng = new Random(seed);
        for (int i = order.length - 1; i > 0; i--) {
            int k = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[k];
            order[k] = t;
        }
        List<DataSet> out = new ArrayList<>();
        for (int from = 0; from < zs.length; from += BATCH_PER_WORKER) {
            int to = Math.min(zs.length, from + BATCH_PER_WORKER);
            out.add(MinibatchBuilder.dataSet(MinibatchBuilder.states(zs, order, from, to, DataType.FLOAT)));
        }
        return out.iterator();
    }

}
