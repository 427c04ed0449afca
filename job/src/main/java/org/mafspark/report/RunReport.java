package org.mafspark.report;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mafspark.spark.DriftReport;
import org.mafspark.spark.MafTrainingSummary;

/**
 * Everything {@code report.html} shows about one run.
 *
 * @param title heading
 * @param parameters the model's params, name to value
 * @param data input, row counts and features, in display order
 * @param training the model's training summary
 * @param threshold alpha on log p
 * @param rowsScored rows scored
 * @param rowsFlagged rows flagged
 * @param drift drift of the batch against the model's reference, when measured
 * @param twoSample flow samples against the input, when measured
 * @param labelled quality against a label column, when one was given
 * @param topColumns column names of {@code topRows}
 * @param topRows the most anomalous rows, formatted
 * @param figures the plots, in display order
 * @param timings step name to seconds
 */
public record RunReport(String title, Map<String, String> parameters, Map<String, String> data,
        MafTrainingSummary training, double threshold, long rowsScored, long rowsFlagged, Optional<DriftReport> drift,
        Optional<TwoSampleCheck> twoSample, Optional<LabelledEvaluation> labelled, List<String> topColumns,
        List<List<String>> topRows, List<Figure> figures, Map<String, Double> timings) {

    /** One plot: a title, what to read in it, and the PNG. */
    public record Figure(String name, String title, String caption, byte[] png) {}
}
