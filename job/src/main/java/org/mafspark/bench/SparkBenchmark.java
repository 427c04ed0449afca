package org.mafspark.bench;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.mafspark.flow.EpochStats;
import org.mafspark.flow.FlowArchitecture;
import org.mafspark.flow.NativeThreads;
import org.mafspark.spark.MafOutlierDetector;
import org.mafspark.spark.MafOutlierModel;
import org.mafspark.spark.MafParamSet;
import org.mafspark.spark.MafTrainingSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Spark part of the benchmark ({@code bench --spark}), in {@code local[2]} unless a master is
 * configured ({@code spark.master}, as under {@code spark-submit}), on {@link BenchData} and the
 * {@link Benchmark#REFERENCE} architecture, batch {@link BenchSettings#BATCH_SIZE} per worker:
 *
 * <ol>
 *   <li>training: one {@link MafOutlierDetector} fit per averaging frequency (no validation, an
 *       absolute threshold, so no quantile job), its last epoch's rows/s from the training summary,
 *       against the one-JVM {@code FlowTrainer} on the same rows;</li>
 *   <li>scoring end to end: a table written to Parquet beforehand (untimed), then timed
 *       read-{@code transform}-write jobs, once writing every row with its {@code logProb} and once
 *       only the flagged rows (as the anomaly job does). The model's broadcast and the JIT are warmed
 *       up first by an untimed {@code transform} of the training rows.</li>
 * </ol>
 */
public final class SparkBenchmark {
    /** The master when none is configured: two task slots, as on the reference 2-core machine. */
    public static final String EMBEDDED_MASTER = "local[2]";

    /** Share of the training rows below the scoring model's threshold. */
    static final double FLAGGED_SHARE = 0.001;

    /** The threshold given to the detectors: absolute, so that fit runs no quantile job. */
    private static final double FIT_THRESHOLD = -50.0;

    private static final Logger LOG = LoggerFactory.getLogger(SparkBenchmark.class);

    private SparkBenchmark() {}

    /** A session on {@link #EMBEDDED_MASTER}, or on the configured master under spark-submit. */
    static SparkSession session() {
        SparkSession.Builder b = SparkSession.builder().appName("maf-spark bench");
        if (System.getProperty("spark.master") == null) {
            b.master(EMBEDDED_MASTER).config("spark.ui.enabled", "false");
        }
        return b.getOrCreate();
    }

    /** Runs the Spark measurements. */
    public static SparkReport run(SparkBenchSettings settings, long seed) {
        long t0 = System.nanoTime();
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        boolean existing = SparkSession.getDefaultSession().isDefined();
        SparkSession spark = session();
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("maf-spark-bench-");
            return measure(spark, settings, seed, tmp, t0, load);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (tmp != null) {
                deleteRecursively(tmp);
            }
            if (!existing) {
                spark.stop();
            }
        }
    }

    private static SparkReport measure(SparkSession spark, SparkBenchSettings settings, long seed,
            Path tmp, long t0, double load) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int cores = jsc.defaultParallelism();
        String master = spark.sparkContext().master();
        FlowArchitecture arch = Benchmark.REFERENCE;
        StructType schema = schema();
        String[] columns = schema.fieldNames();

        double[][] x = BenchData.generate(settings.trainRows(), seed);
        double oneJvm = FlowBenchmark.trainerEpochRowsPerSecond(arch, x, seed);
        LOG.info("bench --spark: one-JVM FlowTrainer on {} rows {} rows/s", x.length, String.format("%.0f", oneJvm));
        List<Row> rows = Arrays.stream(x).map(SparkBenchmark::row).toList();
        Dataset<Row> train = spark.createDataFrame(rows, schema).cache();
        train.count();

        double[][] heldOut = BenchData.generate(20_000, seed + 7);
        List<int[]> settingsSwept = new ArrayList<>();
        for (int frequency : settings.averagingFrequencies()) {
            settingsSwept.add(new int[] {frequency, BenchSettings.BATCH_SIZE});
        }
        for (int batch : settings.batchSizes()) {
            settingsSwept.add(new int[] {MafParamSet.DEFAULT_AVERAGING_FREQUENCY, batch});
        }
        List<SparkTraining> training = new ArrayList<>();
        MafOutlierModel model = null;
        for (int[] setting : settingsSwept) {
            int frequency = setting[0];
            int batch = setting[1];
            MafOutlierModel fitted = new MafOutlierDetector().setInputCols(columns).setNumLayers(arch.layers())
                    .setHiddenFeatures(arch.hidden()).setNumBlocks(arch.blocks()).setMaxEpochs(settings.epochs())
                    .setBatchSizePerWorker(batch).setAveragingFrequency(frequency)
                    .setValidationFraction(0.0).setEarlyStoppingPatience(0).setNumWorkers(cores)
                    .setThreshold(FIT_THRESHOLD).setSeed(seed).fit(train);
            MafTrainingSummary summary = fitted.trainingSummary();
            EpochStats last = summary.history().get(summary.history().size() - 1);
            double nll = fitted.flow().meanNll(heldOut);
            training.add(new SparkTraining(frequency, batch, summary.numWorkers(), summary.trainRows(),
                    last.rowsPerSecond(), last.rowsPerSecond() / cores, oneJvm, last.rowsPerSecond() / oneJvm,
                    last.seconds(), summary.trainingSeconds(), nll));
            LOG.info("bench --spark: averaging every {}, batch {}: {} rows/s ({} of one JVM), held-out NLL {}",
                    frequency, batch, String.format("%.0f", last.rowsPerSecond()),
                    String.format("%.1f%%", 100 * last.rowsPerSecond() / oneJvm), String.format("%.4f", nll));
            if (frequency == MafParamSet.DEFAULT_AVERAGING_FREQUENCY && batch == BenchSettings.BATCH_SIZE
                    || model == null) {
                model = fitted;
            }
        }

        double[] logProbs = model.flow().logProb(x);
        Arrays.sort(logProbs);
        double threshold = logProbs[(int) (FLAGGED_SHARE * logProbs.length)];
        model.setThreshold(threshold);
        model.transform(train).count();
        train.unpersist(false);

        // Before scoring, which sizes the threads by its own partitions.
        int blasThreadsPerTask = NativeThreads.blasThreads();
        String input = tmp.resolve("input").toString();
        writeTable(spark, jsc, schema, settings.scoreRows(), settings.scoreFiles(), seed + 1, input);
        int readPartitions = spark.read().parquet(input).javaRDD().getNumPartitions();
        List<SparkScoring> scoring = new ArrayList<>();
        scoring.add(score(spark, model, input, tmp.resolve("scored").toString(), false, "every row with logProb"));
        scoring.add(score(spark, model, input, tmp.resolve("flagged").toString(), true, "flagged rows only"));
        return new SparkReport(master, cores, blasThreadsPerTask, BenchSettings.BATCH_SIZE, x.length,
                settings.epochs(), oneJvm, oneJvm / cores, training, settings.scoreRows(), settings.scoreFiles(),
                readPartitions, threshold, scoring, load, (System.nanoTime() - t0) / 1e9);
    }

    /** Times read Parquet, {@code transform}, (filter,) write Parquet; counts the output afterwards. */
    private static SparkScoring score(SparkSession spark, MafOutlierModel model, String input, String output,
            boolean flaggedOnly, String name) {
        long t0 = System.nanoTime();
        Dataset<Row> scored = model.transform(spark.read().parquet(input));
        if (flaggedOnly) {
            scored = scored.filter(col(model.getPredictionCol()));
        }
        scored.write().mode(SaveMode.Overwrite).parquet(output);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long in = spark.read().parquet(input).count();
        long out = spark.read().parquet(output).count();
        LOG.info("bench --spark: scoring, {}: {} rows in {} s, {} rows/s", name, in, String.format("%.1f", seconds),
                String.format("%.0f", in / seconds));
        return new SparkScoring(name, in, out, seconds, in / seconds);
    }

    /** {@code rows} rows of {@link BenchData} as {@code files} Parquet files, generated on the executors. */
    private static void writeTable(SparkSession spark, JavaSparkContext jsc, StructType schema, int rows, int files,
            long seed, String path) {
        int per = (rows + files - 1) / files;
        JavaRDD<Row> data = jsc.parallelize(IntStream.range(0, files).boxed().toList(), files).flatMap(i -> {
            int n = Math.max(0, Math.min(per, rows - i * per));
            return Arrays.stream(BenchData.generate(n, seed + i)).map(SparkBenchmark::row).iterator();
        });
        spark.createDataFrame(data, schema).write().mode(SaveMode.Overwrite).parquet(path);
    }

    /** Columns {@code x1..x8}, non-null doubles. */
    static StructType schema() {
        StructType s = new StructType();
        for (int j = 1; j <= BenchData.FEATURES; j++) {
            s = s.add("x" + j, DataTypes.DoubleType, false);
        }
        return s;
    }

    static Row row(double[] r) {
        return RowFactory.create(Arrays.stream(r).boxed().toArray());
    }

    static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("bench --spark: cannot delete {}: {}", dir, e.toString());
        }
    }
}
