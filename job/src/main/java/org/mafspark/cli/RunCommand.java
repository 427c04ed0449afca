package org.mafspark.cli;

import static org.apache.spark.sql.functions.col;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.mafspark.spark.MafOutlierModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code maf-spark run}: train, then score the same table. Without {@code --input} it runs the seed
 * notebook's anomaly exercise: the 2-D mixture (0.1% anomalies) is generated as Parquet, the
 * {@code label} column is kept out of the features, and the result is compared with the labels.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a model on a table, then score that table: OUT/model, OUT/anomalies (Parquet), "
                + "OUT/summary.json.", "Without --input: the notebook's anomaly exercise on generated data."})
public final class RunCommand implements Callable<Integer> {
    @Mixin
    InputOptions input;

    @Mixin
    ModelOptions model;

    @Option(names = "--output", paramLabel = "OUT", defaultValue = "out/run",
            description = "Output directory (default: ${DEFAULT-VALUE}).")
    String output;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "50000",
            description = "Rows of the generated exercise when no --input is given (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--overwrite", defaultValue = "true", negatable = true,
            description = "Replace existing output (default: ${DEFAULT-VALUE}).")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        SparkSession spark = LocalSpark.session("maf-spark run");
        try {
            boolean exercise = input.input == null;
            if (exercise) {
                prepareExercise();
            }
            Dataset<Row> df = input.read(spark);
            String modelPath = new org.apache.hadoop.fs.Path(output, "model").toString();
            MafOutlierModel m = AnomalyJob.train(df, input.featureColumns(df), model, modelPath, overwrite);
            AnomalyJob.Summary s = AnomalyJob.score(spark, m, df, input.input(), modelPath, output, overwrite);
            System.out.println();
            System.out.printf("rows scored   %d%n", s.rowsScored());
            System.out.printf("threshold     log p <= %.4f%n", s.threshold());
            System.out.printf("flagged       %d (%.4f%%)%n", s.rowsFlagged(), 100 * s.flaggedFraction());
            if (exercise) {
                long anomalies = df.filter(col(GeneratedTable.LABEL).equalTo(1)).count();
                long caught = spark.read().parquet(s.output()).filter(col(GeneratedTable.LABEL).equalTo(1)).count();
                System.out.printf("true anomalies flagged  %d of %d (the label column was not a feature)%n", caught,
                        anomalies);
            }
            System.out.println("input         " + s.input());
            System.out.println("model         " + modelPath);
            System.out.println("anomalies     " + s.output() + "   (Parquet: input columns + logProb)");
            System.out.println("summary       " + new org.apache.hadoop.fs.Path(output, AnomalyJob.SUMMARY));
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** Generates the notebook's 2-D mixture as Parquet and points the input options at it. */
    private void prepareExercise() {
        Path data = Path.of(output, "input");
        long seed = model.seed != null ? model.seed : 42L;
        GeneratedTable t = DataKind.MIXTURE2D.generate(rows, seed);
        ParquetTableWriter.write(t, data, true);
        input.input = data.toString();
        input.format = "parquet";
        input.features = List.of(t.featureColumns());
        System.out.printf("generated the notebook's 2-D mixture: %d rows, %d anomalies (label column) -> %s%n",
                t.rows(), t.anomalies(), data);
    }
}
