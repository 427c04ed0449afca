package org.mafspark.bench;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.bytedeco.javacpp.Pointer;
import org.mafspark.spark.MafOutlierDetector;
import org.mafspark.spark.MafOutlierModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How scoring cost grows with rows ({@code bench --scale}), and the MLlib peer on the same data:
 *
 * <ol>
 *   <li>a model is fitted with the DEFAULT settings on {@link BenchData} (so that its held-out NLL
 *       is what a user gets) and its threshold set to flag 0.1% of the training rows;</li>
 *   <li>the largest table is written once as Parquet files of {@link #ROWS_PER_FILE} rows, generated
 *       on the executors; each size scores the first {@code n / ROWS_PER_FILE} files end to end
 *       (read, transform, keep the flagged rows, write Parquet), so every size reads the same
 *       kind of files;</li>
 *   <li>during each run a listener sums the task results sent to the driver (proof that no stage
 *       collects the data) and a sampler records the process's peak resident memory (driver and
 *       executors share the JVM in local mode) and the JVM's peak heap;</li>
 *   <li>a least-squares line {@code seconds = a + b rows} gives the marginal cost per row;</li>
 *   <li>Spark MLlib's {@code GaussianMixture} ({@link GaussianMixturePeer}, k by validation
 *       likelihood) is fitted on the same training rows and scores the largest table but one;
 *       both models' NLL on fresh rows is reported.</li>
 * </ol>
 */
public final class ScaleBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(ScaleBenchmark.class);
    /** Rows per Parquet file of the scored tables. */
    static final int ROWS_PER_FILE = 250_000;

    private ScaleBenchmark() {}

    /** One end-to-end scoring run. */
    public record ScaleRun(long rows, int files, double seconds, double rowsPerSecond, long flagged,
            long bytesToDriver, long peakResidentBytes, long peakHeapBytes, double limitFraction) {}

    /** The peer's figures. */
    public record PeerFigures(int components, double fitSeconds, double fitRowsPerSecond, long scoredRows,
            double scoreRowsPerSecond, double heldOutNll, double mafHeldOutNll, double mafFitSeconds) {}

    /**
     * Everything {@code bench --scale} measured.
     *
     * @param secondsPerMillionRows slope of the fitted line, seconds per million rows
     * @param interceptSeconds its intercept (job start-up)
     * @param largestOverSmallest time of the largest run over time of the smallest
     * @param limitRowsPerSecond the FLOP-bound limit of the forward pass on this machine
     */
    public record ScaleReport(List<ScaleRun> runs, double secondsPerMillionRows, double interceptSeconds,
            double largestOverSmallest, double limitRowsPerSecond, PeerFigures peer, int trainRows) {

        /** Plain-text tables. */
        public String render() {
            StringBuilder b = new StringBuilder();
            b.append(String.format("Scaling, Parquet -> transform -> flagged rows -> Parquet (limit %.0f rows/s):%n",
                    limitRowsPerSecond));
            String f = "%12s %6s %9s %10s %9s %14s %12s %12s%n";
            b.append(String.format(f, "rows", "files", "seconds", "rows/s", "of limit", "bytes to driver",
                    "peak RSS MB", "peak heap MB"));
            for (ScaleRun r : runs) {
                b.append(String.format(f, r.rows(), r.files(), String.format("%.1f", r.seconds()),
                        String.format("%.0f", r.rowsPerSecond()), String.format("%.1f%%", 100 * r.limitFraction()),
                        r.bytesToDriver(), r.peakResidentBytes() >> 20, r.peakHeapBytes() >> 20));
            }
            b.append(String.format("fitted: %.2f s per million rows + %.1f s; largest/smallest time %.2f for "
                    + "%.0fx the rows%n", secondsPerMillionRows, interceptSeconds, largestOverSmallest,
                    (double) runs.get(runs.size() - 1).rows() / runs.get(0).rows()));
            b.append(String.format("Peer on %d training rows: GaussianMixture k=%d fit %.1f s (%.0f rows/s), scores "
                    + "%.0f rows/s (%d rows); held-out NLL GaussianMixture %.4f vs MAF %.4f nats (MAF fit %.1f s)%n",
                    trainRows, peer.components(), peer.fitSeconds(), peer.fitRowsPerSecond(),
                    peer.scoreRowsPerSecond(), peer.scoredRows(), peer.heldOutNll(), peer.mafHeldOutNll(),
                    peer.mafFitSeconds()));
            return b.toString();
        }
    }

    /**
     * @param sizes rows of each scoring run, ascending, multiples of {@link #ROWS_PER_FILE} (or one
     *     size below it, for quick runs)
     * @param limitRowsPerSecond the forward pass's FLOP-bound rows/s on this machine
     */
    public static ScaleReport run(SparkSession spark, long[] sizes, int trainRows, long seed,
            double limitRowsPerSecond) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        StructType schema = SparkBenchmark.schema();
        String[] columns = schema.fieldNames();
        Path tmp;
        try {
            tmp = Files.createTempDirectory("maf-spark-scale-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Dataset<Row> train = spark.createDataFrame(
                    Arrays.stream(BenchData.generate(trainRows, seed)).map(SparkBenchmark::row).toList(), schema)
                    .cache();
            train.count();
            long t0 = System.nanoTime();
            MafOutlierModel model = new MafOutlierDetector().setInputCols(columns).setSeed(seed).fit(train);
            double mafFit = (System.nanoTime() - t0) / 1e9;

            long largest = sizes[sizes.length - 1];
            int perFile = (int) Math.min(ROWS_PER_FILE, sizes[0]);
            int files = (int) ((largest + perFile - 1) / perFile);
            Path table = tmp.resolve("table");
            writeTable(spark, jsc, schema, perFile, files, seed + 1, table.toString());
            List<String> paths = listParquet(table);

            List<ScaleRun> runs = new ArrayList<>();
            for (long n : sizes) {
                int k = (int) (n / perFile);
                runs.add(score(spark, model, paths.subList(0, k).toArray(new String[0]), n, k,
                        tmp.resolve("out-" + n).toString(), limitRowsPerSecond));
            }
            double[] line = leastSquares(runs);

            // The peer, on the same training rows and the same kind of files.
            VectorAssembler assembler = new VectorAssembler().setInputCols(columns).setOutputCol("features");
            Dataset<Row> vectors = assembler.transform(train).cache();
            Dataset<Row>[] split = vectors.randomSplit(new double[] {0.9, 0.1}, seed);
            long t1 = System.nanoTime();
            GaussianMixturePeer gmm = GaussianMixturePeer.fit(split[0], split[1], "features", seed);
            double gmmFit = (System.nanoTime() - t1) / 1e9;
            int peerFiles = Math.max(1, Math.min(paths.size(), (int) (sizes[Math.max(0, sizes.length - 2)] / perFile)));
            Dataset<Row> peerInput = assembler.transform(spark.read().parquet(
                    paths.subList(0, peerFiles).toArray(new String[0])));
            long t2 = System.nanoTime();
            long peerRows = gmm.logDensity(peerInput, "features").count();
            double peerScore = (System.nanoTime() - t2) / 1e9;
            Dataset<Row> fresh = spark.createDataFrame(
                    Arrays.stream(BenchData.generate(50_000, seed + 99)).map(SparkBenchmark::row).toList(), schema);
            double gmmNll = -gmm.meanLogDensity(assembler.transform(fresh), "features");
            double mafNll = -model.transform(fresh).select(model.getLogProbCol()).javaRDD()
                    .mapToDouble(r -> r.getDouble(0)).mean();
            vectors.unpersist();
            train.unpersist();
            PeerFigures peer = new PeerFigures(gmm.components(), gmmFit, split[0].count() / gmmFit, peerRows,
                    peerRows / peerScore, gmmNll, mafNll, mafFit);
            ScaleRun first = runs.get(0);
            ScaleRun last = runs.get(runs.size() - 1);
            return new ScaleReport(runs, line[1] * 1e6, line[0], last.seconds() / first.seconds(),
                    limitRowsPerSecond, peer, trainRows);
        } finally {
            SparkBenchmark.deleteRecursively(tmp);
        }
    }

    private static ScaleRun score(SparkSession spark, MafOutlierModel model, String[] inputs, long rows, int files,
            String output, double limit) {
        AtomicLong toDriver = new AtomicLong();
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.taskMetrics() != null) {
                    toDriver.addAndGet(end.taskMetrics().resultSize());
                }
            }
        };
        spark.sparkContext().addSparkListener(listener);
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            p.resetPeakUsage();
        }
        MemorySampler rss = new MemorySampler();
        rss.start();
        long t0 = System.nanoTime();
        try {
            model.transform(spark.read().parquet(inputs)).filter(col(model.getPredictionCol())).write()
                    .mode(SaveMode.Overwrite).parquet(output);
        } finally {
            rss.stopSampling();
            spark.sparkContext().removeSparkListener(listener);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        long flagged = spark.read().parquet(output).count();
        ScaleRun r = new ScaleRun(rows, files, seconds, rows / seconds, flagged, toDriver.get(), rss.peak(), heap,
                rows / seconds / limit);
        LOG.info("bench --scale: {} rows in {} s ({} rows/s), {} bytes of task results to the driver, peak RSS {} MB",
                rows, String.format("%.1f", seconds), String.format("%.0f", r.rowsPerSecond()), r.bytesToDriver(),
                r.peakResidentBytes() >> 20);
        return r;
    }

    /** Samples the process's resident memory every 50 ms (ND4J's off-heap arrays included). */
    private static final class MemorySampler extends Thread {
        private volatile boolean running = true;
        private volatile long peak;

        MemorySampler() {
            super("maf-spark-rss-sampler");
            setDaemon(true);
        }

        @Override
        public void run() {
            while (running) {
                peak = Math.max(peak, Pointer.physicalBytes());
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void stopSampling() {
            running = false;
            try {
                join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            peak = Math.max(peak, Pointer.physicalBytes());
        }

        long peak() {
            return peak;
        }
    }

    /** {intercept, slope} of seconds against rows. */
    static double[] leastSquares(List<ScaleRun> runs) {
        double n = runs.size();
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (ScaleRun r : runs) {
            sx += r.rows();
            sy += r.seconds();
            sxx += (double) r.rows() * r.rows();
            sxy += r.rows() * r.seconds();
        }
        double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        return new double[] {(sy - slope * sx) / n, slope};
    }

    private static void writeTable(SparkSession spark, JavaSparkContext jsc, StructType schema, int perFile,
            int files, long seed, String path) {
        JavaRDD<Row> data = jsc.parallelize(IntStream.range(0, files).boxed().toList(), files)
                .flatMap(i -> Arrays.stream(BenchData.generate(perFile, seed + i)).map(SparkBenchmark::row)
                        .iterator());
        spark.createDataFrame(data, schema).write().mode(SaveMode.Overwrite).parquet(path);
    }

    private static List<String> listParquet(Path dir) {
        try (var s = Files.list(dir)) {
            return s.map(Path::toString).filter(p -> p.endsWith(".parquet")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
