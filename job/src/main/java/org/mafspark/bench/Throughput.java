package org.mafspark.bench;

/**
 * A measured row rate next to its FLOP-bound limit {@code sgemm GFLOP/s * 1e9 / flopsPerRow}: the
 * rate if the matrix products ran at sgemm speed and nothing else cost time.
 *
 * @param name what was measured
 * @param rowsPerSecond measured rate (median of the repetitions)
 * @param flopsPerRow matrix-product FLOPs one row needs in this operation
 * @param limitRowsPerSecond the FLOP-bound rate
 * @param ratio {@code rowsPerSecond / limitRowsPerSecond}
 * @param detail how it was measured
 */
public record Throughput(String name, double rowsPerSecond, long flopsPerRow, double limitRowsPerSecond,
        double ratio, String detail) {

    /** A measurement against the limit implied by {@code sgemmGflops}. */
    public static Throughput of(String name, double rowsPerSecond, long flopsPerRow, double sgemmGflops,
            String detail) {
        double limit = sgemmGflops * 1e9 / flopsPerRow;
        return new Throughput(name, rowsPerSecond, flopsPerRow, limit, rowsPerSecond / limit, detail);
    }
}
