package org.mafspark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.mafspark.spark.MafOutlierModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code maf-spark evaluate}: how well a saved model fits a table, and finds its labelled anomalies. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a saved model on a table, on Spark: flow samples against the data (energy distance "
                + "with a permutation p-value, per-feature KS), and with --label-col: ROC AUC, PR AUC, precision and "
                + "recall at the threshold, the fraction of anomalies selected against alpha. Writes "
                + "OUT/evaluation.json, OUT/report.html (plots) and the scoring outputs."})
public final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    InputOptions input;

    @Mixin
    BadRowOptions badRows;

    @Option(names = "--model", paramLabel = "PATH", required = true, description = "A model saved by train or run.")
    String modelPath;

    @Option(names = "--label-col", paramLabel = "COL", description = "Column of known anomalies (1), never a "
            + "feature.")
    String labelCol;

    @Option(names = "--output", paramLabel = "OUT", required = true, description = "Output directory.")
    String output;

    @Option(names = "--overwrite", description = "Replace existing output.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        SparkSession spark = LocalSpark.session("maf-spark evaluate");
        try {
            MafOutlierModel model = MafOutlierModel.load(modelPath);
            AnomalyJob.Summary s = AnomalyJob.score(spark, model, input.read(spark), input.input(), modelPath, output,
                    null, overwrite, badRows.failOnBadRows(), labelCol);
            Path file = new Path(s.output(), AnomalyJob.EVALUATION);
            JsonNode e;
            try (InputStream in = file.getFileSystem(spark.sparkContext().hadoopConfiguration()).open(file)) {
                e = new ObjectMapper().readTree(in);
            }
            JsonNode t = e.path("flowSamplesVsData");
            System.out.printf("rows scored %d (quarantined %d), flagged %d at log p <= %.4f%n", s.rowsScored(),
                    s.rowsQuarantined(), s.rowsFlagged(), s.threshold());
            System.out.printf("flow samples vs data: energy distance %.5f, permutation p-value %.3f%n",
                    t.path("energyDistance").asDouble(), t.path("permutationPValue").asDouble());
            JsonNode l = e.path("labelled");
            if (!l.isMissingNode()) {
                System.out.printf("labels '%s': ROC AUC %.4f, PR AUC %.4f, precision %.4f, recall %.4f (%d of %d "
                        + "anomalies flagged)%n", labelCol, l.path("rocAuc").asDouble(), l.path("prAuc").asDouble(),
                        l.path("precision").asDouble(), l.path("recall").asDouble(), l.path("flaggedAnomalies").asLong(),
                        l.path("anomalies").asLong());
            }
            System.out.println("evaluation: " + file);
            System.out.println("report:     " + new Path(s.output(), AnomalyJob.REPORT));
            return 0;
        } finally {
            spark.stop();
        }
    }
}
