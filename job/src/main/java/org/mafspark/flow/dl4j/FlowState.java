package org.mafspark.flow.dl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * What flows between the layers of the DL4J network: {@code [N, D+1]}, the transformed features
 * in columns {@code 0..D-1} and the log-determinant accumulated so far in column {@code D}.
 * DL4J passes one array between layers; carrying the log-determinant as a column keeps every
 * transform a plain layer and lets the loss read both terms of the log-density.
 */
public final class FlowState {
    private FlowState() {}

    /** Features view {@code [N, D]}. */
    public static INDArray features(INDArray state) {
        return state.get(NDArrayIndex.all(), NDArrayIndex.interval(0, state.columns() - 1));
    }

    /** Log-determinant view {@code [N, 1]}. */
    public static INDArray logDet(INDArray state) {
        long c = state.columns() - 1;
        return state.get(NDArrayIndex.all(), NDArrayIndex.interval(c, c + 1));
    }
}
