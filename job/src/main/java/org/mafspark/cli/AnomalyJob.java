package org.mafspark.cli;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.mafspark.spark.DriftReport;
import org.mafspark.spark.FeatureQuarantine;
import org.mafspark.spark.MafOutlierDetector;
import org.mafspark.report.ReportBuilder;
import org.mafspark.report.ReportWriter;
import org.mafspark.report.RunReport;
import org.mafspark.spark.MafOutlierModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch job's two steps, shared by {@code train}, {@code score} and {@code run}: fit and save a
 * model; score a table with a saved model. Rows whose features cannot be used are quarantined with
 * a reason (or stop the job before any output, with {@code --on-bad-rows fail}); scoring writes the
 * flagged rows (every input column plus logProb, isAnomaly, pValue, explanation), the quarantined
 * rows and {@code summary.json} all or nothing ({@link BatchOutput}).
 */
final class AnomalyJob {
    private static final Logger LOG = LoggerFactory.getLogger(AnomalyJob.class);
    static final String ANOMALIES = "anomalies";
    static final String QUARANTINE = "quarantine";
    static final String SUMMARY = "summary.json";
    static final String REPORT = "report.html";
    static final String EVALUATION = "evaluation.json";

    private AnomalyJob() {}

    /** A fitted model and how many input rows were quarantined rather than trained on. */
    record Trained(MafOutlierModel model, long rowsQuarantined) {}

    /**
     * Fits a detector on the usable rows of {@code df}'s {@code features} and saves it to
     * {@code modelPath}; rows with unusable features are left out and counted (or fatal).
     */
    static Trained train(Dataset<Row> df, String[] features, ModelOptions options, String modelPath,
            boolean overwrite, boolean failOnBadRows, String source) throws IOException {
        FeatureQuarantine.Split split = FeatureQuarantine.split(df, features, source);
        FeatureQuarantine.requireSomeNumbers(df, features, source);
        if (failOnBadRows) {
            failOnFirst(split.quarantined(), source);
        }
        long quarantined = split.quarantined().count();
        if (quarantined > 0) {
            LOG.warn("{}: {} rows have an unusable feature and are not trained on (e.g. {})", source, quarantined,
                    split.quarantined().select(FeatureQuarantine.REASON).first().getString(0));
        }
        MafOutlierDetector detector = options.apply(new MafOutlierDetector()).setInputCols(features);
        LOG.info("training on features {}", String.join(", ", features));
        MafOutlierModel model = detector.fit(split.scorable());
        var writer = model.write();
        if (overwrite) {
            writer = writer.overwrite();
        }
        writer.save(modelPath);
        LOG.info("model saved to {}", modelPath);
        return new Trained(model, quarantined);
    }

    /** What a scoring run did, as written to {@code summary.json}. */
    record Summary(String input, String model, String output, long rowsRead, long rowsScored, long rowsFlagged,
            long rowsQuarantined, double threshold, Optional<DriftReport> drift, double readSeconds,
            double scoreSeconds) {
        double flaggedFraction() {
            return rowsScored == 0 ? 0 : (double) rowsFlagged / rowsScored;
        }

        String anomalies() {
            return new Path(output, ANOMALIES).toString();
        }

        String quarantine() {
            return new Path(output, QUARANTINE).toString();
        }
    }

    /**
     * Scores {@code df} with {@code model}: checks the input, splits off the unusable rows, writes
     * {@code anomalies/}, {@code quarantine/}, {@code summary.json} and {@code _SUCCESS} under
     * {@code output} (or {@code output/batch_id=ID} when {@code batchId} is given) all or nothing.
     */
    static Summary score(SparkSession spark, MafOutlierModel model, Dataset<Row> df, String input, String modelPath,
            String output, String batchId, boolean overwrite, boolean failOnBadRows) throws IOException {
        return score(spark, model, df, input, modelPath, output, batchId, overwrite, failOnBadRows, null);
    }

    /**
     * As above, and {@code report.html} beside the results, evaluated against {@code labelCol} when
     * it is not null.
     */
    static Summary score(SparkSession spark, MafOutlierModel model, Dataset<Row> df, String input, String modelPath,
            String output, String batchId, boolean overwrite, boolean failOnBadRows, String labelCol)
            throws IOException {
        if (labelCol != null && !Arrays.asList(df.columns()).contains(labelCol)) {
            throw new IllegalArgumentException("input " + input + " has no label column '" + labelCol + "'");
        }
        if (labelCol != null && Arrays.asList(model.featureNames()).contains(labelCol)) {
            throw new IllegalArgumentException("label column '" + labelCol + "' is one of the model's features");
        }
        long t0 = System.nanoTime();
        String[] features = model.featureNames();
        List<String> missing = new ArrayList<>();
        for (String f : features) {
            if (!Arrays.asList(df.columns()).contains(f)) {
                missing.add(f);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("input " + input + " lacks the feature column(s) " + missing + " that the "
                    + "model " + modelPath + " was trained on (its features: " + String.join(", ", features)
                    + "; the input's columns: " + String.join(", ", df.columns()) + ")");
        }
        long rows = df.count();
        double readSeconds = (System.nanoTime() - t0) / 1e9;
        if (rows == 0) {
            throw new IllegalArgumentException("input " + input + " has no rows");
        }
        FeatureQuarantine.Split split = FeatureQuarantine.split(df, features, "input " + input);
        FeatureQuarantine.requireSomeNumbers(df, features, "input " + input);
        if (failOnBadRows) {
            failOnFirst(split.quarantined(), "input " + input);
        }

        long t1 = System.nanoTime();
        BatchOutput out = BatchOutput.open(spark.sparkContext().hadoopConfiguration(), output, batchId, overwrite,
                ANOMALIES, QUARANTINE, SUMMARY, REPORT, EVALUATION);
        try {
            Dataset<Row> scorable = split.scorable().persist(StorageLevel.MEMORY_AND_DISK());
            try {
                Path anomalies = new Path(out.dir(), ANOMALIES);
                Path quarantine = new Path(out.dir(), QUARANTINE);
                model.transform(scorable).filter(col(model.getPredictionCol())).write().mode(SaveMode.ErrorIfExists)
                        .parquet(anomalies.toString());
                split.quarantined().write().mode(SaveMode.ErrorIfExists).parquet(quarantine.toString());
                long flagged = spark.read().parquet(anomalies.toString()).count();
                long quarantined = spark.read().parquet(quarantine.toString()).count();
                long scored = scorable.count();
                if (scored + quarantined != rows) {
                    throw new IllegalStateException("row accounting failed for " + input + ": " + rows + " read, "
                            + scored + " scored + " + quarantined + " quarantined");
                }
                Optional<DriftReport> drift = model.reference().isPresent() && scored > 0
                        ? Optional.of(model.drift(scorable, scored)) : Optional.empty();
                double scoreSeconds = (System.nanoTime() - t1) / 1e9;
                Summary s = new Summary(input, modelPath, out.target().toString(), rows, scored, flagged, quarantined,
                        model.getThreshold(), drift, readSeconds, scoreSeconds);
                writeSummary(out, s, batchId);
                writeReport(out, model, scorable, spark.read().parquet(anomalies.toString()), s, labelCol);
                out.publish();
                LOG.info("scored {} rows in {} s ({} rows/s): {} flagged (log p <= {}), {} quarantined -> {}", scored,
                        String.format("%.1f", scoreSeconds), String.format("%.0f", rows / scoreSeconds), flagged,
                        model.getThreshold(), quarantined, out.target());
                drift.ifPresent(d -> {
                    if (d.drifted()) {
                        LOG.warn(d.describe());
                    } else {
                        LOG.info(d.describe());
                    }
                });
                return s;
            } finally {
                scorable.unpersist(false);
            }
        } catch (Throwable e) {
            // Throwable: Spark's own exceptions are checked ones that Scala throws undeclared.
            out.abandon();
            throw e;
        }
    }

    /** Throws, before any output is written, when a row is unusable: names the source, reason and row. */
    private static void failOnFirst(Dataset<Row> quarantined, String source) {
        List<Row> first = quarantined.limit(1).collectAsList();
        if (!first.isEmpty()) {
            Row r = first.get(0);
            StringBuilder values = new StringBuilder();
            for (int i = 0; i < r.length(); i++) {
                if (!r.schema().fields()[i].name().equals(FeatureQuarantine.REASON)) {
                    values.append(values.length() == 0 ? "" : ", ").append(r.schema().fields()[i].name()).append('=')
                            .append(r.get(i));
                }
            }
            throw new IllegalArgumentException(source + ": a row has an unusable feature (" + r.getAs(
                    FeatureQuarantine.REASON) + ") and --on-bad-rows is 'fail'; first such row: {" + values + "}");
        }
    }

    /** {@code report.html}: results, plots, top rows and timings of this run (see {@link ReportBuilder}). */
    private static void writeReport(BatchOutput out, MafOutlierModel model, Dataset<Row> scorable,
            Dataset<Row> anomalies, Summary s, String labelCol) throws IOException {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("input", s.input());
        data.put("model", s.model());
        data.put("rows read", String.valueOf(s.rowsRead()));
        data.put("rows quarantined (unusable features)", String.valueOf(s.rowsQuarantined()));
        data.put("features", String.join(", ", model.featureNames()));
        if (labelCol != null) {
            data.put("label column (not a feature)", labelCol);
        }
        Map<String, Double> timings = new LinkedHashMap<>();
        timings.put("read and count", s.readSeconds());
        timings.put("score, write, drift", s.scoreSeconds());
        timings.put("training (when the model was fitted)", model.trainingSummary().trainingSeconds());
        RunReport r = ReportBuilder.build(model, scorable, anomalies, Optional.ofNullable(labelCol),
                new ReportBuilder.RunFacts("maf-spark: anomalies in " + s.input(), data, s.rowsScored(),
                        s.rowsFlagged(), s.drift(), timings, model.getSeed()));
        try (OutputStream o = out.fileSystem().create(new Path(out.dir(), REPORT), true)) {
            o.write(ReportWriter.html(r));
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode e = json.createObjectNode();
        r.twoSample().ifPresent(t -> {
            ObjectNode n = e.putObject("flowSamplesVsData");
            n.put("energyDistance", t.energyDistance());
            n.put("permutationPValue", t.pValue());
            n.put("permutations", t.permutations());
            n.put("rowsEach", t.n());
            ObjectNode ks = n.putObject("featureKsPValue");
            for (int j = 0; j < t.featureKsPValues().length; j++) {
                ks.put(model.featureNames()[j], t.featureKsPValues()[j]);
            }
        });
        r.labelled().ifPresent(l -> {
            ObjectNode n = e.putObject("labelled");
            n.put("labelColumn", labelCol);
            n.put("rows", l.rows());
            n.put("anomalies", l.anomalies());
            n.put("rocAuc", l.rocAuc());
            n.put("prAuc", l.prAuc());
            n.put("threshold", l.threshold());
            n.put("flagged", l.flagged());
            n.put("flaggedAnomalies", l.flaggedAnomalies());
            n.put("precision", l.precision());
            n.put("recall", l.recall());
            ObjectNode curve = n.putObject("fractionSelectedVsAlpha");
            curve.set("alpha", json.valueToTree(l.alpha()));
            curve.set("anomalies", json.valueToTree(l.fractionOfAnomalies()));
            curve.set("allRows", json.valueToTree(l.fractionOfRows()));
        });
        try (OutputStream o = out.fileSystem().create(new Path(out.dir(), EVALUATION), true)) {
            json.writerWithDefaultPrettyPrinter().writeValue(o, e);
        }
        LOG.info("report: {}", new Path(out.target(), REPORT));
    }

    private static void writeSummary(BatchOutput out, Summary s, String batchId) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode n = json.createObjectNode();
        n.put("input", s.input());
        n.put("model", s.model());
        if (batchId != null) {
            n.put("batchId", batchId);
        }
        n.put("output", s.output());
        n.put("anomalies", s.anomalies());
        n.put("quarantine", s.quarantine());
        n.put("rowsRead", s.rowsRead());
        n.put("rowsScored", s.rowsScored());
        n.put("rowsQuarantined", s.rowsQuarantined());
        n.put("rowsFlagged", s.rowsFlagged());
        n.put("flaggedFraction", s.flaggedFraction());
        n.put("threshold", s.threshold());
        s.drift().ifPresent(d -> {
            ObjectNode dn = n.putObject("drift");
            dn.put("logProbPsi", d.logProbPsi());
            ObjectNode f = dn.putObject("featurePsi");
            d.featurePsi().forEach(f::put);
            dn.put("rows", d.rows());
            dn.put("warningLevel", d.warningLevel());
            dn.put("drifted", d.drifted());
        });
        ObjectNode t = n.putObject("seconds");
        t.put("read", s.readSeconds());
        t.put("scoreAndWrite", s.scoreSeconds());
        try (OutputStream o = out.fileSystem().create(new Path(out.dir(), SUMMARY), true)) {
            json.writerWithDefaultPrettyPrinter().writeValue(o, n);
        }
    }
}
