package org.mafspark.flow;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The flow's base distribution: a standard normal in {@code D} dimensions. */
public final class StandardNormal {
    /** {@code 0.5 * log(2 pi)}. */
    public static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

    private StandardNormal() {}

    /** {@code log N(u; 0, I)} of one point in {@code dims} dimensions, given {@code |u|^2}. */
    public static double logProb(double squaredNorm, int dims) {
        return -0.5 * squaredNorm - dims * HALF_LOG_2PI;
    }

    /** {@code log N(u; 0, I)} per row, {@code [N, 1]}. */
    public static INDArray logProb(INDArray u) {
        return Transforms.pow(u, 2, true).sum(true, 1).muli(-0.5).subi(HALF_LOG_2PI * u.columns());
    }
}
