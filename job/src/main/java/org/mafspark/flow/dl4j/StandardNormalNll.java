package org.mafspark.flow.dl4j;

import org.mafspark.flow.HostArrays;
import org.mafspark.flow.StandardNormal;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * The flow's training loss: negative log-likelihood under a standard-normal base,
 * {@code -log p = 0.5 |u|^2 + (D/2) log 2 pi - logDet}, read from a {@link FlowState}.
 * Labels are ignored (DL4J M2 needs a labels array, so features are fed as labels).
 * Gradient per example: {@code [u, -1]}; DL4J divides by the minibatch size.
 */
public class StandardNormalNll implements ILossFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray state = activated(preOutput, activationFn);
        int n = (int) state.rows();
        int d = (int) state.columns() - 1;
        double[] s = HostArrays.read(state);
        double[] m = rowMask(mask, n);
        double[] nll = new double[n];
        for (int i = 0; i < n; i++) {
            double sq = 0;
            for (int j = 0; j < d; j++) {
                double u = s[i * (d + 1) + j];
                sq += u * u;
            }
            nll[i] = -(StandardNormal.logProb(sq, d) + s[i * (d + 1) + d]) * (m == null ? 1 : m[i]);
        }
        INDArray out = Nd4j.createUninitialized(state.dataType(), new long[] {n, 1}, 'c');
        HostArrays.write(nll, out);
        return out;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
            boolean average) {
        double[] scores = HostArrays.read(computeScoreArray(labels, preOutput, activationFn, mask));
        double sum = 0;
        for (double v : scores) {
            sum += v;
        }
        return average ? sum / scores.length : sum;
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray state = activated(preOutput, activationFn);
        int n = (int) state.rows();
        int d = (int) state.columns() - 1;
        double[] grad = HostArrays.read(state);
        double[] m = rowMask(mask, n);
        for (int i = 0; i < n; i++) {
            grad[i * (d + 1) + d] = -1;
            if (m != null) {
                for (int j = 0; j <= d; j++) {
                    grad[i * (d + 1) + j] *= m[i];
                }
            }
        }
        INDArray out = Nd4j.createUninitialized(state.dataType(), new long[] {n, d + 1L}, 'c');
        HostArrays.write(grad, out);
        return activationFn instanceof ActivationIdentity ? out : activationFn.backprop(preOutput.dup(), out).getFirst();
    }

    /** A per-example mask's values (null without one): the flow's loss has one term per row. */
    private static double[] rowMask(INDArray mask, int rows) {
        if (mask == null) {
            return null;
        }
        if (mask.length() != rows) {
            throw new IllegalArgumentException("the flow's loss takes one mask value per example ("
                    + rows + "), got a mask of shape " + java.util.Arrays.toString(mask.shape()));
        }
        return HostArrays.read(mask.reshape(rows, 1));
    }

    /** The loss's input after the activation; the identity (the flow's) is skipped, not applied to a copy. */
    private static INDArray activated(INDArray preOutput, IActivation activationFn) {
        return activationFn instanceof ActivationIdentity ? preOutput : activationFn.getActivation(preOutput.dup(), true);
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
            IActivation activationFn, INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    @Override
    public String name() {
        return "StandardNormalNll";
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StandardNormalNll;
    }

    @Override
    public int hashCode() {
        return StandardNormalNll.class.hashCode();
    }
}
