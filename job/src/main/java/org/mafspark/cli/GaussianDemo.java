package org.mafspark.cli;

import org.mafspark.data.NotebookData;
import org.mafspark.flow.FlowArchitecture;
import org.mafspark.flow.FlowTrainer;
import org.mafspark.flow.MaskedAutoregressiveFlow;
import org.mafspark.flow.TrainingConfig;
import org.mafspark.flow.TrainingResult;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Part (a) of the demo, the notebook's change-of-variables example: {@code x = mu + sigma Z} with
 * mu = 1, sigma = 0.5, N = 10000, fitted by a flow shaped like the notebook's nflows model
 * (hidden_features=4, num_blocks=2, 5 layers) with full-batch Adam as the notebook trains it.
 *
 * <p>The flow's NLL is compared with two closed forms on the same rows: the maximum-likelihood
 * Gaussian (the best any model of this family can do on these rows, {@code 0.5 log(2 pi s^2) + 0.5})
 * and the Gaussian with the true parameters (what the notebook's grid search approaches).
 */
final class GaussianDemo {
    static final int ROWS = 10_000;
    /** Adam step size for full-batch training: 1e-3 (nflows' default) needs several thousand steps. */
    static final double LEARNING_RATE = 1e-2;
    /** Flow draws used to read off the learned mean and standard deviation. */
    static final int SAMPLES = 100_000;

    private static final Logger LOG = LoggerFactory.getLogger(GaussianDemo.class);

    /**
     * Outcome of part (a); NLLs in nats per row on the training rows.
     *
     * @param flow the trained flow
     * @param steps full-batch Adam steps run
     * @param flowNll the flow's mean NLL
     * @param mleNll mean NLL of the maximum-likelihood Gaussian
     * @param trueNll mean NLL of N(MU, SIGMA)
     * @param mleMean sample mean of the rows
     * @param mleSd population standard deviation of the rows
     * @param flowMean mean of {@link #SAMPLES} flow draws
     * @param flowSd standard deviation of the flow draws
     * @param seconds wall time of training and evaluation
     */
    record Result(MaskedAutoregressiveFlow flow, int steps, double flowNll, double mleNll, double trueNll,
            double mleMean, double mleSd, double flowMean, double flowSd, double seconds) {

        /** Differential entropy of the true distribution, {@code 0.5 log(2 pi e sigma^2)}. */
        static double entropy() {
            return 0.5 * Math.log(2 * Math.PI * Math.E * NotebookData.SIGMA * NotebookData.SIGMA);
        }
    }

    private GaussianDemo() {}

    /** The architecture of the notebook's 1-D flow. */
    static FlowArchitecture architecture() {
        return new FlowArchitecture(1, 4, 2, 5, FlowArchitecture.PermutationKind.REVERSE, 0L);
    }

    static Result run(long seed, int steps) {
        long t0 = System.nanoTime();
        double[][] x = NotebookData.gaussian1d(ROWS, seed);
        // One epoch = one full-batch step; the notebook evaluates on the rows it trains on.
        TrainingConfig cfg = TrainingConfig.defaults().withEpochs(steps).withBatchSize(ROWS)
                .withLearningRate(LEARNING_RATE).withValidationFraction(0.0).withPatience(0).withSeed(seed);
        int every = Math.max(1, steps / 10);
        TrainingResult r = Quiet.flowTrainer(() -> new FlowTrainer(architecture(), cfg, DataType.FLOAT)
                .listener((s, max) -> {
                    if (s.epoch() % every == 0 || s.epoch() == max) {
                        LOG.info("1-D step {}/{}: NLL {}", s.epoch(), max, TextTable.fixed(s.trainNll(), 4));
                    }
                })
                .fit(x));
        MaskedAutoregressiveFlow flow = r.flow();

        double mean = 0;
        for (double[] row : x) {
            mean += row[0];
        }
        mean /= ROWS;
        double var = 0;
        double trueNll = 0;
        double s2 = NotebookData.SIGMA * NotebookData.SIGMA;
        for (double[] row : x) {
            var += (row[0] - mean) * (row[0] - mean);
            double d = row[0] - NotebookData.MU;
            trueNll += 0.5 * Math.log(2 * Math.PI * s2) + d * d / (2 * s2);
        }
        var /= ROWS;
        trueNll /= ROWS;
        double mleNll = 0.5 * Math.log(2 * Math.PI * var) + 0.5;

        double[] draws = flow.sample(SAMPLES, seed + 1).castTo(DataType.DOUBLE).data().asDouble();
        double fm = 0;
        for (double v : draws) {
            fm += v;
        }
        fm /= draws.length;
        double fv = 0;
        for (double v : draws) {
            fv += (v - fm) * (v - fm);
        }
        fv /= draws.length;
        return new Result(flow, r.history().size(), flow.meanNll(x), mleNll, trueNll, mean, Math.sqrt(var), fm,
                Math.sqrt(fv), (System.nanoTime() - t0) / 1e9);
    }
}
