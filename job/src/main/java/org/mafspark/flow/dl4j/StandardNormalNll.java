package org.mafspark.flow.dl4j;

import org.mafspark.flow.StandardNormal;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
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
        INDArray state = activationFn.getActivation(preOutput.dup(), true);
        INDArray nll = StandardNormal.logProb(FlowState.features(state)).addi(FlowState.logDet(state)).negi();
        if (mask != null) {
            nll.muli(mask);
        }
        return nll;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
            boolean average) {
        INDArray scores = computeScoreArray(labels, preOutput, activationFn, mask);
        double sum = scores.sumNumber().doubleValue();
        return average ? sum / scores.rows() : sum;
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray state = activationFn.getActivation(preOutput.dup(), true);
        INDArray grad = state.dup();
        FlowState.logDet(grad).assign(-1.0);
        if (mask != null) {
            grad.muliColumnVector(mask);
        }
        return activationFn.backprop(preOutput.dup(), grad).getFirst();
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
