package org.mafspark.flow;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one contract of every bijection in the flow (as in nflows): {@code forward} maps data to
 * noise and returns the log-absolute-determinant of its Jacobian per row; {@code inverse} maps
 * noise back to data. Arrays are {@code [N, D]}, one row per example.
 */
public interface Transform {
    /** Data to noise, with {@code log|det dU/dX|} per row. */
    Result forward(INDArray x);

    /** Noise to data: the exact inverse of {@link #forward}. */
    INDArray inverse(INDArray u);

    /** Output of {@link #forward}: the transformed rows {@code [N, D]} and {@code logAbsDet [N, 1]}. */
    record Result(INDArray outputs, INDArray logAbsDet) {}
}
