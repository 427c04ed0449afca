package org.mafspark.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.apache.spark.sql.SparkSession;
import org.mafspark.flow.FlowArchitecture;
import org.mafspark.flow.FlowNetworks;
import org.mafspark.flow.MaskedAutoregressiveFlow;
import org.mafspark.flow.NativeThreads;
import org.mafspark.flow.Standardization;
import org.mafspark.flow.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-JVM speed benchmark of the reference flow (D=8, hidden 64, 2 blocks, 5 layers,
 * float32): sgemm GFLOP/s, then training, log-density and sampling rows/s, each against its
 * FLOP-bound limit. The limit uses the best sgemm rate of the forward pass's widest product, {@code
 * [M x 64] x [64 x 64]}, read two ways before, between and after the flow timings: one product of
 * 65,536 rows on all BLAS threads, and one product of 2,048 rows per core at once (the flow's
 * inference block, cache-resident; see {@link GemmBenchmark#measurePerCore}).
 *
 * <p>FLOPs per row: forward (log-density) {@code F = forwardFlopsPerRow()}; a training step about
 * {@code 3F} (forward, then backward through inputs and weights); sampling {@code D F}, since
 * inverting a MAF evaluates every MADE once per feature, sequentially.
 */
public final class Benchmark {
    /** The reference architecture. */
    public static final FlowArchitecture REFERENCE = FlowArchitecture.defaults(BenchData.FEATURES);

    private static final Logger LOG = LoggerFactory.getLogger(Benchmark.class);
    /** Timed rounds of the per-core reference per timed product of the others. */
    private static final int PER_CORE_ROUNDS = 8;

    private Benchmark() {}

    /**
     * The reference products, both ways: before the flow timings, between the training and the
     * inference timings, and after them. On a machine shared with other jobs the load changes within
     * a run (one run read 71.7 and 78.9 GFLOP/s before and after while its flow timings were as fast
     * as any), and the ceiling is the best the machine showed.
     */
    private static List<GemmResult> references(long[] ref, BenchSettings settings, long seed) {
        GemmResult streaming = GemmBenchmark.measure(ref[0], ref[1], ref[2], settings.gemmWarmup(),
                settings.gemmReps(), seed);
        // Rounds of ~5 ms: many of them, so that a reading catches the machine's quiet moments.
        GemmResult perCore = GemmBenchmark.measurePerCore(MaskedAutoregressiveFlow.BLOCK_ROWS, ref[1], ref[2],
                NativeThreads.rowThreads(), settings.gemmWarmup(), PER_CORE_ROUNDS * settings.gemmReps());
        for (GemmResult g : List.of(streaming, perCore)) {
            LOG.info("bench: sgemm {} {} GFLOP/s (median), {} (best)", g.shape(), String.format("%.1f", g.gflops()),
                    String.format("%.1f", g.bestGflops()));
        }
        return List.of(streaming, perCore);
    }

    /**
     * The reading the limits use: the best rate among the products {@code [M x k] x [k x n]}
     * (either way they were run), other shapes ignored however fast.
     */
    static GemmResult limit(List<GemmResult> readings, long k, long n) {
        GemmResult best = null;
        for (GemmResult g : readings) {
            if (g.k() == k && g.n() == n && (best == null || g.bestGflops() > best.bestGflops())) {
                best = g;
            }
        }
        if (best == null) {
            throw new IllegalArgumentException("no sgemm reading of [M x " + k + "] x [" + k + " x " + n + "]");
        }
        return best;
    }

    /** Runs every one-JVM measurement with {@code settings}. */
    public static BenchReport run(BenchSettings settings, boolean quick, long seed) {
        return run(settings, quick, seed, false);
    }

    /**
     * Runs every one-JVM measurement with {@code settings}, then, if {@code spark}, the Spark ones
     * ({@link SparkBenchmark}, sized by {@code quick}).
     */
    public static BenchReport run(BenchSettings settings, boolean quick, long seed, boolean spark) {
        return run(settings, quick, seed, spark, null);
    }

    /**
     * As {@link #run(BenchSettings, boolean, long, boolean)}, then, if {@code scaleRows} is not null,
     * the scaling runs of {@link ScaleBenchmark} at those sizes.
     */
    public static BenchReport run(BenchSettings settings, boolean quick, long seed, boolean spark,
            long[] scaleRows) {
        long t0 = System.nanoTime();
        String started = Instant.now().toString();
        FlowArchitecture arch = REFERENCE;
        long flops = arch.forwardFlopsPerRow();
        MachineInfo machine = MachineInfo.current();
        LOG.info("bench: {} cores, OMP_NUM_THREADS={}, OPENBLAS_CORETYPE={}, Java {}", machine.cores(),
                machine.ompNumThreads(), machine.openblasCoreType(), machine.javaVersion());

        int m = BenchSettings.SCORE_BATCH;
        int d = arch.features();
        int h = arch.hidden();
        long[] ref = {m, h, h};
        long[][] shapes = {{m, d, h}, {m, h, 2L * d}, {1024, 1024, 1024}};
        List<GemmResult> gemm = new ArrayList<>(references(ref, settings, seed));
        for (long[] s : shapes) {
            GemmResult g = GemmBenchmark.measure(s[0], s[1], s[2], settings.gemmWarmup(), settings.gemmReps(), seed);
            LOG.info("bench: sgemm {} {} GFLOP/s (median), {} (best)", g.shape(), String.format("%.1f", g.gflops()),
                    String.format("%.1f", g.bestGflops()));
            gemm.add(g);
        }

        double[][] x = BenchData.generate(settings.dataRows(), seed);
        Standardization std = Standardization.fit(x);
        TrainingConfig cfg = TrainingConfig.defaults().withBatchSize(BenchSettings.BATCH_SIZE).withSeed(seed);
        MultiLayerNetwork net = FlowNetworks.create(FlowNetworks.configuration(arch, cfg, DataType.FLOAT));
        List<DataSet> batches = FlowBenchmark.minibatches(x, std, BenchSettings.BATCH_SIZE, DataType.FLOAT);
        Throughput.Rate fit = FlowBenchmark.fitRowsPerSecond(net, batches, settings.trainWarmupSeconds(), settings.trainReps(),
                settings.trainRepSeconds());
        LOG.info("bench: training (prebuilt minibatches) {} rows/s (median), {} (best)",
                String.format("%.0f", fit.median()), String.format("%.0f", fit.best()));

        int epochRows = (int) Math.max(4 * BenchSettings.BATCH_SIZE,
                Math.min(x.length, fit.median() * settings.trainerEpochSeconds()));
        double[][] epochData = Arrays.copyOf(x, epochRows);
        double trainer = FlowBenchmark.trainerEpochRowsPerSecond(arch, epochData, seed);
        LOG.info("bench: FlowTrainer epoch of {} rows {} rows/s", epochRows, String.format("%.0f", trainer));
        gemm.addAll(references(ref, settings, seed));

        // Timed on the network trained above: realistic parameters rather than the initialisation.
        MaskedAutoregressiveFlow flow = new MaskedAutoregressiveFlow(arch, std, net);
        double[][] scoreRows = BenchData.generate(settings.logProbRows(), seed + 1);
        Throughput.Rate logProb = FlowBenchmark.logProbRowsPerSecond(flow, scoreRows, settings.logProbWarmup(),
                settings.logProbReps());
        LOG.info("bench: logProb {} rows/s (median), {} (best)", String.format("%.0f", logProb.median()),
                String.format("%.0f", logProb.best()));
        Throughput.Rate sample = FlowBenchmark.sampleRowsPerSecond(flow, settings.sampleRows(), seed, settings.sampleWarmup(),
                settings.sampleReps());
        LOG.info("bench: sample {} rows/s (median), {} (best)", String.format("%.0f", sample.median()),
                String.format("%.0f", sample.best()));

        gemm.addAll(references(ref, settings, seed));
        GemmResult limit = limit(gemm, ref[1], ref[2]);
        double gflops = limit.bestGflops();

        List<Throughput> rates = List.of(
                Throughput.of("training, net.fit on prebuilt minibatches", fit, 3 * flops, gflops,
                        "batch " + BenchSettings.BATCH_SIZE + ", Adam; median of " + settings.trainReps()
                                + " repetitions of ~" + settings.trainRepSeconds() + " s"),
                Throughput.of("training, FlowTrainer epoch", Throughput.Rate.once(trainer), 3 * flops, gflops,
                        "batch " + BenchSettings.BATCH_SIZE + ", " + epochRows + " rows, shuffling and minibatch "
                                + "building included, second of two epochs"),
                Throughput.of("logProb", logProb, flops, gflops,
                        "batches of " + settings.logProbRows() + " rows; median of " + settings.logProbReps()),
                Throughput.of("sample", sample, (long) d * flops, gflops,
                        "batches of " + settings.sampleRows() + " rows, noise generation included; median of "
                                + settings.sampleReps()));
        SparkReport sparkReport = spark
                ? SparkBenchmark.run(quick ? SparkBenchSettings.quick() : SparkBenchSettings.full(), seed)
                : null;
        ScaleBenchmark.ScaleReport scale = null;
        if (scaleRows != null) {
            SparkSession session = SparkBenchmark.session();
            try {
                scale = ScaleBenchmark.run(session, scaleRows, quick ? 20_000 : 100_000, seed, gflops * 1e9 / flops);
            } finally {
                session.stop();
            }
        }
        return new BenchReport(started, quick, seed, machine, arch, arch.numParams(), flops, DataType.FLOAT.name(),
                gemm, gflops, limit.shape(), rates, (System.nanoTime() - t0) / 1e9, sparkReport, scale);
    }
}
