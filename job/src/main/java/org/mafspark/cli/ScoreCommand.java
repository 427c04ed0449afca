package org.mafspark.cli;

import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.mafspark.spark.MafOutlierModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code maf-spark score}: score a table with a saved model (the scheduled batch-scoring path). */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score a table with a saved model: writes OUT/anomalies (Parquet: the flagged rows, every "
                + "input column plus logProb, isAnomaly, pValue, explanation), OUT/quarantine (rows with unusable "
                + "features, with a reason), OUT/summary.json (counts, threshold, drift) and OUT/_SUCCESS, all or "
                + "nothing; with --batch-id ID under OUT/batch_id=ID/."})
public final class ScoreCommand implements Callable<Integer> {
    @Mixin
    InputOptions input;

    @Option(names = "--model", paramLabel = "PATH", required = true, description = "A model saved by train or run.")
    String modelPath;

    @Option(names = "--output", paramLabel = "OUT", required = true, description = "Output directory.")
    String output;

    @Mixin
    BadRowOptions badRows;

    @Option(names = "--threshold", paramLabel = "ALPHA", description = "Flag log p <= ALPHA instead of the "
            + "model's threshold.")
    Double threshold;

    @Option(names = "--p-value-threshold", paramLabel = "P", description = "Flag the rows with pValue <= P (the "
            + "model's calibrated tail probability) instead of the model's threshold.")
    Double pValueThreshold;

    @Option(names = "--label-col", paramLabel = "COL", description = "Column of known anomalies (1), never a "
            + "feature: adds ROC/PR AUC and the fraction selected against alpha to evaluation.json and the report.")
    String labelCol;

    @Option(names = "--batch-id", paramLabel = "ID", description = "Write OUT/batch_id=ID/, published all or "
            + "nothing; a rerun replaces exactly this batch.")
    String batchId;

    @Option(names = "--overwrite", description = "Replace existing output (without --batch-id).")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        SparkSession spark = LocalSpark.session("maf-spark score");
        try {
            if (threshold != null && pValueThreshold != null) {
                throw new IllegalArgumentException("give --threshold or --p-value-threshold, not both");
            }
            MafOutlierModel model = MafOutlierModel.load(modelPath);
            if (threshold != null) {
                model.setThreshold(threshold);
            }
            if (pValueThreshold != null) {
                model.setThresholdByPValue(pValueThreshold);
            }
            AnomalyJob.Summary s = AnomalyJob.score(spark, model, input.read(spark), input.input(), modelPath, output,
                    batchId, overwrite, badRows.failOnBadRows(), labelCol);
            System.out.printf("read %d rows: scored %d, quarantined %d; flagged %d (%.4f%%) at log p <= %.4f%n"
                    + "anomalies:  %s%nquarantine: %s%nsummary:    %s%n", s.rowsRead(), s.rowsScored(),
                    s.rowsQuarantined(), s.rowsFlagged(), 100 * s.flaggedFraction(), s.threshold(), s.anomalies(),
                    s.quarantine(), new org.apache.hadoop.fs.Path(s.output(), AnomalyJob.SUMMARY));
            s.drift().ifPresent(d -> System.out.println(d.describe()));
            return 0;
        } finally {
            spark.stop();
        }
    }
}
