package org.mafspark.bench;

/**
 * A measured row rate next to its FLOP-bound limit {@code sgemm GFLOP/s * 1e9 / flopsPerRow}: the
 * rate if the matrix products ran at sgemm speed and nothing else cost time.
 *
 * <p>Two readings of the rate: the median of the repetitions, against the limit from the best sgemm
 * reading (the headline ratio, which counts every slowdown a noisy neighbour causes the flow but
 * none it causes the sgemm reference), and the best repetition against that same limit (both best
 * readings: what the code does when the machine lets it).
 *
 * @param name what was measured
 * @param rowsPerSecond measured rate (median of the repetitions)
 * @param bestRowsPerSecond the fastest repetition's rate (the one measurement when there is one)
 * @param flopsPerRow matrix-product FLOPs one row needs in this operation
 * @param limitRowsPerSecond the FLOP-bound rate
 * @param ratio {@code rowsPerSecond / limitRowsPerSecond}
 * @param bestRatio {@code bestRowsPerSecond / limitRowsPerSecond}
 * @param detail how it was measured
 */
public record Throughput(String name, double rowsPerSecond, double bestRowsPerSecond, long flopsPerRow,
        double limitRowsPerSecond, double ratio, double bestRatio, String detail) {

    /** A measurement against the limit implied by {@code sgemmGflops}. */
    public static Throughput of(String name, Rate rate, long flopsPerRow, double sgemmGflops, String detail) {
        double limit = sgemmGflops * 1e9 / flopsPerRow;
        return new Throughput(name, rate.median(), rate.best(), flopsPerRow, limit, rate.median() / limit,
                rate.best() / limit, detail);
    }

    /** A row rate measured over repetitions: their median and their best. */
    public record Rate(double median, double best) {
        /** A rate measured once. */
        public static Rate once(double rowsPerSecond) {
            return new Rate(rowsPerSecond, rowsPerSecond);
        }

        /** The rate of {@code rows} rows per repetition from each repetition's seconds. */
        static Rate ofSeconds(long rows, double[] seconds) {
            return new Rate(rows / Timing.median(seconds), rows / Timing.min(seconds));
        }
    }
}
