package org.mafspark.spark;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The anomaly threshold {@code alpha} from a contamination: the approximate
 * {@code contamination}-quantile of the training log-densities (Greenwald-Khanna, as
 * {@link org.apache.spark.sql.DataFrameStatFunctions#approxQuantile}), then a check of the share of
 * training rows it actually flags.
 *
 * <p>approxQuantile returns a value whose rank is within {@code relativeError * n} of
 * {@code contamination * n}, so without ties the flagged share lies within
 * {@link #tolerance(double, long)} {@code = relativeError + 1/n} of the contamination. Ties (e.g.
 * duplicated rows) can break that bound; a warning says so.
 *
 * @param threshold rows with {@code log p <= threshold} are anomalies
 * @param contamination the share asked for
 * @param flaggedFraction the share of the rows with {@code log p <= threshold}
 * @param rows rows the quantile was computed on
 * @param relativeError the quantile's relative rank error
 */
public record AnomalyThreshold(double threshold, double contamination, double flaggedFraction, long rows,
        double relativeError) {
    private static final Logger LOG = LoggerFactory.getLogger(AnomalyThreshold.class);

    /** The largest expected {@code |flaggedFraction - contamination|} without ties. */
    public static double tolerance(double relativeError, long rows) {
        return relativeError + 1.0 / rows;
    }

    /** Whether the flagged share is within {@link #tolerance} of the contamination. */
    public boolean withinTolerance() {
        return Math.abs(flaggedFraction - contamination) <= tolerance(relativeError, rows);
    }

    /**
     * The threshold flagging {@code contamination} of the rows of {@code logProbs} (column
     * {@code column}); logs a warning when the share flagged misses it by more than the tolerance.
     */
    public static AnomalyThreshold fromContamination(Dataset<Row> logProbs, String column, double contamination,
            double relativeError) {
        double alpha = logProbs.stat().approxQuantile(column, new double[] {contamination}, relativeError)[0];
        Row counts = logProbs.agg(org.apache.spark.sql.functions.count(col(column)),
                org.apache.spark.sql.functions.sum(col(column).leq(alpha).cast("long"))).first();
        long n = counts.getLong(0);
        long flagged = counts.isNullAt(1) ? 0 : counts.getLong(1);
        AnomalyThreshold t = new AnomalyThreshold(alpha, contamination, n == 0 ? 0 : (double) flagged / n, n,
                relativeError);
        if (!t.withinTolerance()) {
            LOG.warn("the threshold log p <= {} flags {} of the training rows ({} of {}), contamination asked {} "
                    + "(tolerance {}): many rows share the same log-density (duplicated rows?) or the data are "
                    + "too few", alpha, String.format("%.6f", t.flaggedFraction()), flagged, n, contamination,
                    String.format("%.2g", tolerance(relativeError, n)));
        }
        return t;
    }
}
