package org.mafspark.cli;

import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code maf-spark train}: fit a MAF outlier model on a table and save it. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a MAF outlier model on a table (parameter averaging across Spark executors) and save it.")
public final class TrainCommand implements Callable<Integer> {
    @Mixin
    InputOptions input;

    @Mixin
    ModelOptions model;

    @Option(names = "--model", paramLabel = "PATH", required = true, description = "Where to save the model.")
    String modelPath;

    @Mixin
    BadRowOptions badRows;

    @Option(names = "--overwrite", description = "Replace an existing model at PATH.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        SparkSession spark = LocalSpark.session("maf-spark train");
        try {
            Dataset<Row> df = input.read(spark);
            AnomalyJob.Trained t = AnomalyJob.train(df, input.featureColumns(df), model, modelPath, overwrite,
                    badRows.failOnBadRows(), "input " + input.input());
            System.out.println("model: " + modelPath + (t.rowsQuarantined() > 0 ? "  (" + t.rowsQuarantined()
                    + " rows with unusable features were not trained on)" : ""));
            return 0;
        } finally {
            spark.stop();
        }
    }
}
