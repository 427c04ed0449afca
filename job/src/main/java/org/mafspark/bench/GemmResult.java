package org.mafspark.bench;

/**
 * Measured single-precision matrix product {@code [m x k] x [k x n]}.
 *
 * @param m rows of the left operand (the minibatch)
 * @param k inner dimension
 * @param n columns of the result
 * @param medianSeconds median wall time of one product
 * @param gflops {@code 2 m k n / medianSeconds / 1e9}
 * @param bestSeconds fastest timed product
 * @param bestGflops {@code 2 m k n / bestSeconds / 1e9}: what the machine can do when nothing else
 *     competes for it, the right ceiling on a shared machine
 * @param reps timed repetitions
 */
public record GemmResult(long m, long k, long n, double medianSeconds, double gflops, double bestSeconds,
        double bestGflops, int reps) {
    /** {@code m x k x n} as text. */
    public String shape() {
        return m + "x" + k + "x" + n;
    }
}
