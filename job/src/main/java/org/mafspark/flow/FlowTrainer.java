package org.mafspark.flow;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntToDoubleFunction;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a flow in one JVM: standardise, split off a validation set, Adam on shuffled minibatches,
 * keep the parameters of the epoch with the best validation NLL, stop early after
 * {@code patience} epochs without improvement or when the loss stops being finite.
 *
 * <p>The learning rate follows a cosine schedule from {@code learningRate} down to 0 over
 * {@code epochs} (as nflows' examples train): at a fixed rate Adam's minibatch noise leaves the
 * flow's mean off by ~0.04 standard deviations on the notebook's mixture (measured), which a
 * two-sample test on 5000 samples detects.
 */
public final class FlowTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(FlowTrainer.class);

    private final FlowArchitecture architecture;
    private final TrainingConfig config;
    private final DataType dataType;
    private TrainingListener listener = TrainingListener.NONE;
    private IntToDoubleFunction learningRates;

    public FlowTrainer(FlowArchitecture architecture, TrainingConfig config, DataType dataType) {
        this.architecture = architecture;
        this.config = config;
        this.dataType = dataType;
        this.learningRates = config::learningRateAt;
    }

    /** Replaces the cosine schedule (epoch -> rate): tests force a divergence at a chosen epoch with it. */
    FlowTrainer learningRates(IntToDoubleFunction schedule) {
        this.learningRates = schedule;
        return this;
    }

    public FlowTrainer listener(TrainingListener l) {
        this.listener = l;
        return this;
    }

    /**
     * Trains on the rows of {@code x} ({@code [N][D]}, original units).
     *
     * @throws TrainingDivergedException when the loss is not finite before any epoch ended finite
     *     (with a non-finite loss later, the best finite epoch is returned and the stop reason says so)
     */
    public TrainingResult fit(double[][] x) {
        checkShape(x);
        Random rng = new Random(config.seed());
        int[] perm = Shuffling.shuffled(x.length, rng);
        int nVal = (int) Math.floor(config.validationFraction() * x.length);
        int nTrain = x.length - nVal;
        if (nTrain < 1) {
            throw new IllegalArgumentException("no training rows left after a validation fraction of "
                    + config.validationFraction() + " of " + x.length + " rows");
        }
        double[][] train = new double[nTrain][];
        double[][] val = new double[nVal][];
        for (int i = 0; i < x.length; i++) {
            if (i < nTrain) {
                train[i] = x[perm[i]];
            } else {
                val[i - nTrain] = x[perm[i]];
            }
        }
        Standardization std = Standardization.fit(train);
        double[][] z = std.apply(train);
        MultiLayerNetwork net = FlowNetworks.create(FlowNetworks.configuration(architecture, config, dataType));
        MaskedAutoregressiveFlow flow = new MaskedAutoregressiveFlow(architecture, std, net);
        return NativeThreads.withOneBlasThread(() -> loop(flow, z, val, rng));
    }

    private TrainingResult loop(MaskedAutoregressiveFlow flow, double[][] z, double[][] val, Random rng) {
        MultiLayerNetwork net = flow.network();
        double stdTerm = -flow.standardization().logAbsDet();
        List<EpochStats> history = new ArrayList<>();
        INDArray best = net.params().dup();
        EarlyStopping stopping = new EarlyStopping(config.patience(), config.epochs());
        int[] order = new int[z.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            long t0 = System.nanoTime();
            net.setLearningRate(learningRates.applyAsDouble(epoch));
            Shuffling.shuffle(order, rng);
            double sum = 0;
            String nonFinite = null;
            for (int from = 0; from < z.length && nonFinite == null; from += config.batchSize()) {
                int to = Math.min(z.length, from + config.batchSize());
                net.fit(MinibatchBuilder.dataSet(MinibatchBuilder.states(z, order, from, to, dataType)));
                double score = net.score();
                if (!Double.isFinite(score)) {
                    // Adam keeps stepping on NaN gradients: the rest of the epoch cannot recover.
                    nonFinite = "the loss of minibatch " + (from / config.batchSize() + 1) + " is " + score;
                }
                sum += score * (to - from);
            }
            if (nonFinite != null) {
                stopping.diverge(epoch, nonFinite);
                break;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double trainNll = sum / z.length + stdTerm;
            double valNll = val.length > 0 ? flow.meanNll(val) : Double.NaN;
            EpochStats stats = new EpochStats(epoch, trainNll, valNll, z.length / seconds, seconds);
            history.add(stats);
            listener.onEpoch(stats, config.epochs());
            LOG.info("epoch {}/{}: train NLL {} validation NLL {} ({} rows/s; {})", epoch, config.epochs(),
                    String.format("%.4f", trainNll), String.format("%.4f", valNll),
                    String.format("%.0f", stats.rowsPerSecond()), EpochStats.eta(history, config.epochs()));
            String what = EarlyStopping.nonFinite(trainNll, valNll, val.length > 0);
            EarlyStopping.Decision d = what != null ? stopping.diverge(epoch, what)
                    : stopping.offer(epoch, val.length > 0 ? valNll : trainNll);
            if (d == EarlyStopping.Decision.IMPROVED) {
                best.assign(net.params());
            } else if (d == EarlyStopping.Decision.STOP) {
                break;
            }
        }
        String stopReason = stopping.finish(LOG, config.learningRate());
        net.params().assign(best);
        FlowNetworks.releaseTrainingBuffers(net);
        return new TrainingResult(flow, history, stopping.bestEpoch(), stopReason);
    }

    private void checkShape(double[][] x) {
        if (x.length == 0) {
            throw new IllegalArgumentException("no training rows");
        }
        for (int i = 0; i < x.length; i++) {
            if (x[i].length != architecture.features()) {
                throw new IllegalArgumentException("row " + i + " has " + x[i].length + " features, the flow "
                        + architecture.features());
            }
            for (int j = 0; j < x[i].length; j++) {
                if (!Double.isFinite(x[i][j])) {
                    throw new IllegalArgumentException("row " + i + ", feature " + j + ": value " + x[i][j]
                            + " is not finite");
                }
            }
        }
    }

}
