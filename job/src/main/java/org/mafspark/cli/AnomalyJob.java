package org.mafspark.cli;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.mafspark.spark.MafOutlierDetector;
import org.mafspark.spark.MafOutlierModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch job's two steps, shared by {@code train}, {@code score} and {@code run}: fit and save a
 * model; score a table with a saved model, writing the flagged rows (all input columns plus
 * {@code logProb}) to Parquet and a {@code summary.json} beside them.
 */
final class AnomalyJob {
    private static final Logger LOG = LoggerFactory.getLogger(AnomalyJob.class);
    static final String ANOMALIES = "anomalies";
    static final String SUMMARY = "summary.json";

    private AnomalyJob() {}

    /** Fits a detector on {@code df}'s {@code features} and saves it to {@code modelPath}. */
    static MafOutlierModel train(Dataset<Row> df, String[] features, ModelOptions options, String modelPath,
            boolean overwrite) throws IOException {
        MafOutlierDetector detector = options.apply(new MafOutlierDetector()).setInputCols(features);
        LOG.info("training on features {}", String.join(", ", features));
        MafOutlierModel model = detector.fit(df);
        var writer = model.write();
        if (overwrite) {
            writer = writer.overwrite();
        }
        writer.save(modelPath);
        LOG.info("model saved to {}", modelPath);
        return model;
    }

    /** What a scoring run did, as written to {@code summary.json}. */
    record Summary(String input, String model, String output, long rowsRead, long rowsScored, long rowsFlagged,
            double threshold, double readSeconds, double scoreSeconds) {
        double flaggedFraction() {
            return rowsScored == 0 ? 0 : (double) rowsFlagged / rowsScored;
        }
    }

    /** Scores {@code df} and writes {@code output/anomalies} (Parquet) and {@code output/summary.json}. */
    static Summary score(SparkSession spark, MafOutlierModel model, Dataset<Row> df, String input, String modelPath,
            String output, boolean overwrite) throws IOException {
        long t0 = System.nanoTime();
        long rows = df.count();
        double readSeconds = (System.nanoTime() - t0) / 1e9;
        if (rows == 0) {
            throw new IllegalArgumentException("input " + input + " has no rows");
        }
        long t1 = System.nanoTime();
        String anomalies = new Path(output, ANOMALIES).toString();
        model.transform(df).filter(col(model.getPredictionCol())).write()
                .mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists).parquet(anomalies);
        long flagged = spark.read().parquet(anomalies).count();
        double scoreSeconds = (System.nanoTime() - t1) / 1e9;
        Summary s = new Summary(input, modelPath, anomalies, rows, rows, flagged, model.getThreshold(), readSeconds,
                scoreSeconds);
        writeSummary(spark, s, new Path(output, SUMMARY));
        LOG.info("scored {} rows in {} s ({} rows/s): {} flagged (log p <= {}) -> {}", rows,
                String.format("%.1f", scoreSeconds), String.format("%.0f", rows / scoreSeconds), flagged,
                model.getThreshold(), anomalies);
        return s;
    }

    private static void writeSummary(SparkSession spark, Summary s, Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode n = json.createObjectNode();
        n.put("input", s.input());
        n.put("model", s.model());
        n.put("anomalies", s.output());
        n.put("rowsRead", s.rowsRead());
        n.put("rowsScored", s.rowsScored());
        n.put("rowsFlagged", s.rowsFlagged());
        n.put("flaggedFraction", s.flaggedFraction());
        n.put("threshold", s.threshold());
        ObjectNode t = n.putObject("seconds");
        t.put("read", s.readSeconds());
        t.put("scoreAndWrite", s.scoreSeconds());
        FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
        try (OutputStream out = fs.create(file, true)) {
            json.writerWithDefaultPrettyPrinter().writeValue(out, n);
        }
    }
}
