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
                + "input column plus logProb) and OUT/summary.json."})
public final class ScoreCommand implements Callable<Integer> {
    @Mixin
    InputOptions input;

    @Option(names = "--model", paramLabel = "PATH", required = true, description = "A model saved by train or run.")
    String modelPath;

    @Option(names = "--output", paramLabel = "OUT", required = true, description = "Output directory.")
    String output;

    @Option(names = "--threshold", paramLabel = "ALPHA", description = "Flag log p <= ALPHA instead of the "
            + "model's threshold.")
    Double threshold;

    @Option(names = "--overwrite", description = "Replace existing output.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        SparkSession spark = LocalSpark.session("maf-spark score");
        try {
            MafOutlierModel model = MafOutlierModel.load(modelPath);
            if (threshold != null) {
                model.setThreshold(threshold);
            }
            AnomalyJob.Summary s = AnomalyJob.score(spark, model, input.read(spark), input.input(), modelPath, output,
                    overwrite);
            System.out.printf("scored %d rows, flagged %d (%.4f%%) at log p <= %.4f%nanomalies: %s%nsummary:   %s%n",
                    s.rowsScored(), s.rowsFlagged(), 100 * s.flaggedFraction(), s.threshold(), s.output(),
                    new org.apache.hadoop.fs.Path(output, AnomalyJob.SUMMARY));
            return 0;
        } finally {
            spark.stop();
        }
    }
}
