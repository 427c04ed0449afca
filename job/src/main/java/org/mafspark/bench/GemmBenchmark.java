package org.mafspark.bench;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's sgemm throughput on this machine: the ceiling that a flow's matrix products can reach.
 * Operands are preallocated and the product is written into a preallocated result, so only the
 * BLAS call is timed.
 */
public final class GemmBenchmark {
    private GemmBenchmark() {}

    /** Times {@code [m x k] x [k x n]} in float32: {@code warmup} untimed runs, then {@code reps} timed ones. */
    public static GemmResult measure(long m, long k, long n, int warmup, int reps, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray a = Nd4j.rand(DataType.FLOAT, m, k);
        INDArray b = Nd4j.rand(DataType.FLOAT, k, n);
        // Fortran order is BLAS's native layout: no transposition copy inside the call.
        INDArray c = Nd4j.createUninitialized(DataType.FLOAT, new long[] {m, n}, 'f');
        double[] t = Timing.seconds(warmup, reps, () -> Nd4j.gemm(a, b, c, false, false, 1.0, 0.0));
        double flops = 2.0 * m * k * n;
        double median = Timing.median(t);
        double best = Timing.min(t);
        return new GemmResult(m, k, n, median, flops / median / 1e9, best, flops / best / 1e9, reps);
    }
}
