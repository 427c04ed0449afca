package org.mafspark.flow;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Builds flow-state minibatches {@code [n, D+1]} (standardised features, log-determinant column 0)
 * straight from Java arrays: DL4J's {@code DataSet.batchBy} and {@code getRows} are ~100x slower.
 */
public final class MinibatchBuilder {
    private MinibatchBuilder() {}

    /** Rows {@code order[from..to)} of {@code z} (already standardised) as a flow-state array. */
    public static INDArray states(double[][] z, int[] order, int from, int to, DataType dataType) {
        int d = z[0].length;
        int n = to - from;
        double[] buf = new double[n * (d + 1)];
        for (int r = 0; r < n; r++) {
            System.arraycopy(z[order[r + from]], 0, buf, r * (d + 1), d);
        }
        return Nd4j.create(buf, new long[] {n, d + 1}, 'c').castTo(dataType);
    }

    /** A DataSet with the states as both features and labels (DL4J M2 needs labels; the loss ignores them). */
    public static DataSet dataSet(INDArray states) {
        return new DataSet(states, states);
    }
}
