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

    @Mixin
    BadRowOptions badRows;

    @Option(names = "--label-col", paramLabel = "COL", description = "A column with known anomalies (1) that is "
            + "not a feature: the report adds ROC/PR AUC and the fraction of anomalies selected against alpha. "
            + "Without --input: the generated 'label'.")
    String labelCol;

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
            if (labelCol != null) {
                // The label is never a feature.
                input.exclude = input.exclude == null ? List.of(labelCol)
                        : java.util.stream.Stream.concat(input.exclude.stream(), java.util.stream.Stream.of(labelCol))
                                .toList();
            }
            String modelPath = new org.apache.hadoop.fs.Path(output, "model").toString();
            MafOutlierModel m = AnomalyJob.train(df, input.featureColumns(df), model, modelPath, overwrite,
                    badRows.failOnBadRows(), "input " + input.input()).model();
            AnomalyJob.Summary s = AnomalyJob.score(spark, m, df, input.input(), modelPath, output, null, overwrite,
                    badRows.failOnBadRows(), labelCol != null ? labelCol : exercise ? GeneratedTable.LABEL : null);
            System.out.println();
            System.out.printf("rows read     %d (%d quarantined: unusable features)%n", s.rowsRead(),
                    s.rowsQuarantined());
            System.out.printf("rows scored   %d%n", s.rowsScored());
            System.out.printf("threshold     log p <= %.4f%n", s.threshold());
            System.out.printf("flagged       %d (%.4f%%)%n", s.rowsFlagged(), 100 * s.flaggedFraction());
            if (exercise) {
                long anomalies = df.filter(col(GeneratedTable.LABEL).equalTo(1)).count();
                long caught = spark.read().parquet(s.anomalies()).filter(col(GeneratedTable.LABEL).equalTo(1)).count();
                System.out.printf("true anomalies flagged  %d of %d (the label column was not a feature)%n", caught,
                        anomalies);
            }
            System.out.println("input         " + s.input());
            System.out.println("model         " + modelPath);
            s.drift().ifPresent(d -> System.out.println(d.describe()));
            printMostAnomalous(spark, s, m);
            System.out.println("anomalies     " + s.anomalies() + "   (Parquet: input columns + logProb, isAnomaly, "
                    + "pValue, explanation)");
            System.out.println("quarantine    " + s.quarantine());
            System.out.println("summary       " + new org.apache.hadoop.fs.Path(output, AnomalyJob.SUMMARY));
            System.out.println("report        " + new org.apache.hadoop.fs.Path(output, AnomalyJob.REPORT)
                    + "   (open in a browser: plots, top rows, training curves)");
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** The five lowest-density rows with their p-value and the features that explain them. */
    private static void printMostAnomalous(SparkSession spark, AnomalyJob.Summary s, MafOutlierModel m) {
        List<Row> top = spark.read().parquet(s.anomalies()).orderBy(col(m.getLogProbCol())).limit(5).collectAsList();
        if (top.isEmpty()) {
            return;
        }
        System.out.println("most anomalous rows (features ranked by the log-density regained by repairing them alone):");
        for (Row r : top) {
            StringBuilder b = new StringBuilder();
            for (String f : m.featureNames()) {
                b.append(String.format(java.util.Locale.ROOT, "%s=%.3f ", f, ((Number) r.getAs(f)).doubleValue()));
            }
            b.append(String.format(java.util.Locale.ROOT, "log p=%.2f pValue=%.2g", r.<Double>getAs(m.getLogProbCol()),
                    r.<Double>getAs(m.getPValueCol())));
            List<Row> why = r.getList(r.fieldIndex(m.getExplanationCol()));
            b.append("  why: ");
            for (int k = 0; k < Math.min(2, why.size()); k++) {
                b.append(String.format(java.util.Locale.ROOT, "%s%s (%.1f nats)", k > 0 ? ", " : "", why.get(k).getString(0),
                        why.get(k).getDouble(1)));
            }
            System.out.println("  " + b);
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
