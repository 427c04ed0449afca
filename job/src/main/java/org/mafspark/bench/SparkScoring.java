package org.mafspark.bench;

/**
 * One end-to-end Parquet-to-Parquet scoring run: read the table, {@code model.transform}, write.
 *
 * @param name what was written
 * @param inputRows rows read and scored
 * @param outputRows rows written
 * @param seconds wall time of the read-transform-write job
 * @param rowsPerSecond {@code inputRows / seconds}
 */
public record SparkScoring(String name, long inputRows, long outputRows, double seconds, double rowsPerSecond) {}
