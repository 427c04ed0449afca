package org.mafspark.bench;

/**
 * Measured single-precision matrix product {@code [m x k] x [k x n]}.
 *
 * @param m rows of the left operand (the minibatch)
 * @param k inner dimension
 * @param n columns of the result
 * @param concurrent products run at the same time, one per core on one BLAS thread each, their
 *     operands and results each core's own (the way the flow runs its blocks and shares); 1 for
 *     one product on the JVM's BLAS threads
 * @param medianSeconds median wall time of one product (of one round of the concurrent products)
 * @param gflops {@code concurrent 2 m k n / medianSeconds / 1e9}
 * @param bestSeconds fastest timed product
 * @param bestGflops {@code concurrent 2 m k n / bestSeconds / 1e9}: what the machine can do when nothing else
 *     competes for it, the right ceiling on a shared machine
 * @param reps timed repetitions
 */
public record GemmResult(long m, long k, long n, int concurrent, double medianSeconds, double gflops, double bestSeconds,
        double bestGflops, int reps) {
    /** {@code m x k x n} as text, followed by the concurrent products' count when there are several. */
    public String shape() {
        return m + "x" + k + "x" + n + (concurrent > 1 ? " per core x" + concurrent : "");
    }
}
