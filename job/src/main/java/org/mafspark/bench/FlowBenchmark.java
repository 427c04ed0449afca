package org.mafspark.bench;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.mafspark.flow.EpochStats;
import org.mafspark.flow.FlowArchitecture;
import org.mafspark.flow.FlowTrainer;
import org.mafspark.flow.MaskedAutoregressiveFlow;
import org.mafspark.flow.MinibatchBuilder;
import org.mafspark.flow.NativeThreads;
import org.mafspark.flow.Standardization;
import org.mafspark.flow.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Row rates of a flow in one JVM: training steps, end-to-end trainer epochs, log-density and sampling. */
public final class FlowBenchmark {
    private FlowBenchmark() {}

    /**
     * Training rows/s of {@code net.fit} on minibatches built beforehand (so only the network's
     * forward, backward and Adam update are timed): median and best of repetitions of about
     * {@code repSeconds} each, after {@code warmupSeconds} of untimed steps that also calibrate the
     * steps per repetition.
     */
    public static Throughput.Rate fitRowsPerSecond(MultiLayerNetwork net, List<DataSet> batches, double warmupSeconds,
            int reps, double repSeconds) {
        // With the BLAS threads FlowTrainer trains with.
        return NativeThreads.withOneBlasThread(() -> fitLoop(net, batches, warmupSeconds, reps, repSeconds));
    }

    private static Throughput.Rate fitLoop(MultiLayerNetwork net, List<DataSet> batches, double warmupSeconds, int reps,
            double repSeconds) {
        int rowsPerBatch = batches.get(0).getFeatures().rows();
        int step = 0;
        long t0 = System.nanoTime();
        while ((System.nanoTime() - t0) / 1e9 < warmupSeconds || step < 2) {
            net.fit(batches.get(step++ % batches.size()));
        }
        double stepsPerSecond = step / ((System.nanoTime() - t0) / 1e9);
        int stepsPerRep = Math.max(1, (int) Math.round(stepsPerSecond * repSeconds));
        double[] seconds = new double[reps];
        for (int r = 0; r < reps; r++) {
            long s0 = System.nanoTime();
            for (int i = 0; i < stepsPerRep; i++) {
                net.fit(batches.get(step++ % batches.size()));
            }
            seconds[r] = (System.nanoTime() - s0) / 1e9;
        }
        return Throughput.Rate.ofSeconds((long) stepsPerRep * rowsPerBatch, seconds);
    }

    /** Consecutive minibatches of {@code batchSize} standardised rows of {@code x} (a partial last one is dropped). */
    public static List<DataSet> minibatches(double[][] x, Standardization std, int batchSize, DataType dataType) {
        double[][] z = std.apply(x);
        int[] order = new int[z.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        List<DataSet> out = new ArrayList<>();
        for (int from = 0; from + batchSize <= z.length; from += batchSize) {
            out.add(MinibatchBuilder.dataSet(MinibatchBuilder.states(z, order, from, from + batchSize, dataType)));
        }
        return out;
    }

    /**
     * Rows/s of a whole {@link FlowTrainer} epoch (minibatch building and shuffling included, no
     * validation): two epochs on {@code rows} rows, the second one's rate (the first pays JIT warm-up).
     */
    public static double trainerEpochRowsPerSecond(FlowArchitecture arch, double[][] x, long seed) {
        TrainingConfig cfg = TrainingConfig.defaults().withEpochs(2).withBatchSize(BenchSettings.BATCH_SIZE)
                .withValidationFraction(0.0).withPatience(0).withSeed(seed);
        List<EpochStats> history = new FlowTrainer(arch, cfg, DataType.FLOAT).fit(x).history();
        return history.get(history.size() - 1).rowsPerSecond();
    }

    /** Rows/s of {@code flow.logProb} on one {@code [rows, D]} float32 batch: median of {@code reps} calls. */
    public static Throughput.Rate logProbRowsPerSecond(MaskedAutoregressiveFlow flow, double[][] x, int warmup,
            int reps) {
        INDArray batch = Nd4j.create(x).castTo(DataType.FLOAT);
        return Throughput.Rate.ofSeconds(x.length, Timing.seconds(warmup, reps, () -> flow.logProb(batch)));
    }

    /** Rows/s of {@code flow.sample(rows, seed)}, noise generation included: median and best of {@code reps} calls. */
    public static Throughput.Rate sampleRowsPerSecond(MaskedAutoregressiveFlow flow, int rows, long seed, int warmup,
            int reps) {
        return Throughput.Rate.ofSeconds(rows, Timing.seconds(warmup, reps, () -> flow.sample(rows, seed)));
    }
}
