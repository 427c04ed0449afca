package org.mafspark.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.mafspark.data.NotebookData;
import org.mafspark.flow.FlowArchitecture;
import org.mafspark.flow.FlowTrainer;
import org.mafspark.flow.MaskedAutoregressiveFlow;
import org.mafspark.flow.TrainingConfig;
import org.mafspark.flow.TrainingResult;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Part (b) of the demo, the notebook's anomaly exercise: {@code 0.999 N(...) + 0.001 N(...)} in
 * 2-D, a flow with the default architecture and training, then the anomaly score {@code log p(x)}.
 *
 * <p>Two checks, neither available on real data: the held-out NLL against the mixture's exact
 * entropy (and against the exact density on the same held-out rows, a paired comparison whose
 * difference estimates KL(p||q) with far less noise), and the share of the true anomalies among
 * the rows with {@code log p(x) <= alpha}, next to the share the exact density itself flags: the
 * rare component overlaps the bulk, so even a perfect density misses some anomalies.
 */
final class MixtureDemo {
    /** Quantiles of the training rows' {@code log p} used as thresholds alpha. */
    static final double[] QUANTILES = {0.001, 0.005, 0.01, 0.05};

    /**
     * Flagging at one threshold.
     *
     * @param quantile share of rows flagged
     * @param alpha the flow's {@code log p} threshold at that quantile
     * @param flagged rows with {@code log p <= alpha}
     * @param anomaliesFlagged true anomalies among them
     * @param oracleAnomaliesFlagged true anomalies among the same number of rows ranked by the exact density
     */
    record Flagging(double quantile, double alpha, int flagged, int anomaliesFlagged, int oracleAnomaliesFlagged) {}

    /**
     * Outcome of part (b); NLLs in nats per row.
     *
     * @param flow the trained flow
     * @param rows training rows
     * @param anomalies true anomalies among them
     * @param training the trainer's outcome (epochs, best epoch, stop reason)
     * @param heldOutRows independent rows drawn for evaluation
     * @param flowNll the flow's mean NLL on the held-out rows
     * @param exactNll the exact density's mean NLL on the same rows
     * @param standardError standard error of {@code exactNll} as an estimate of the entropy
     * @param entropy the mixture's differential entropy
     * @param flagging anomaly flagging on the training rows, one per quantile
     * @param seconds wall time of training and evaluation
     */
    record Result(MaskedAutoregressiveFlow flow, int rows, int anomalies, TrainingResult training, int heldOutRows,
            double flowNll, double exactNll, double standardError, double entropy, List<Flagging> flagging,
            double seconds) {}

    private MixtureDemo() {}

    static Result run(int rows, int epochs, long seed) {
        long t0 = System.nanoTime();
        NotebookData.Labelled data = NotebookData.mixture2d(rows, seed);
        // A fresh draw, not a split: the training rows are the ones scored for anomalies.
        double[][] heldOut = NotebookData.mixture2d(rows, seed + 1).x();
        TrainingConfig cfg = TrainingConfig.defaults().withEpochs(epochs).withSeed(seed);
        TrainingResult r = new FlowTrainer(FlowArchitecture.defaults(2), cfg, DataType.FLOAT).fit(data.x());
        MaskedAutoregressiveFlow flow = r.flow();

        double[] heldOutLogP = flow.logProb(heldOut);
        double flowNll = 0;
        double exactNll = 0;
        double exactSq = 0;
        for (int i = 0; i < heldOut.length; i++) {
            flowNll -= heldOutLogP[i];
            double e = NotebookData.mixtureLogDensity(heldOut[i]);
            exactNll -= e;
            exactSq += e * e;
        }
        flowNll /= heldOut.length;
        exactNll /= heldOut.length;
        double variance = exactSq / heldOut.length - exactNll * exactNll;
        double se = Math.sqrt(Math.max(variance, 0) / heldOut.length);

        double[] logP = flow.logProb(data.x());
        double[] exact = new double[rows];
        for (int i = 0; i < rows; i++) {
            exact[i] = NotebookData.mixtureLogDensity(data.x()[i]);
        }
        int anomalies = 0;
        for (int y : data.label()) {
            anomalies += y;
        }
        List<Flagging> flagging = new ArrayList<>();
        for (double q : QUANTILES) {
            int k = Math.max(1, (int) Math.ceil(q * rows));
            double alpha = kthSmallest(logP, k);
            double oracleAlpha = kthSmallest(exact, k);
            int flagged = 0;
            int hits = 0;
            int oracleHits = 0;
            for (int i = 0; i < rows; i++) {
                if (logP[i] <= alpha) {
                    flagged++;
                    hits += data.label()[i];
                }
                if (exact[i] <= oracleAlpha) {
                    oracleHits += data.label()[i];
                }
            }
            flagging.add(new Flagging(q, alpha, flagged, hits, oracleHits));
        }
        return new Result(flow, rows, anomalies, r, heldOut.length, flowNll, exactNll, se,
                NotebookData.mixtureEntropy(), flagging, (System.nanoTime() - t0) / 1e9);
    }

    private static double kthSmallest(double[] v, int k) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[k - 1];
    }
}
