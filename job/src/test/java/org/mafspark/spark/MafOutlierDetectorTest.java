package org.mafspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.mafspark.data.NotebookData;
import org.mafspark.flow.EpochStats;
import org.mafspark.flow.FlowArchitecture;
import org.mafspark.flow.FlowTrainer;
import org.mafspark.flow.MaskedAutoregressiveFlow;
import org.mafspark.flow.TrainingConfig;
import org.mafspark.flow.TrainingResult;
import org.nd4j.linalg.api.buffer.DataType;

/** The detector end to end on the notebook's 2-D mixture, on a real local[2] Spark session. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MafOutlierDetectorTest {
    private static final int ROWS = 50_000;
    private static final int MAX_EPOCHS = 20;

    private SparkSession spark;
    private NotebookData.Labelled data;
    private Dataset<Row> df;
    private MafOutlierModel model;

    @BeforeAll
    void trainOnce() {
        spark = SparkTestData.session();
        data = NotebookData.mixture2d(ROWS, 2024L);
        df = SparkTestData.mixture(spark, data).cache();
        model = new MafOutlierDetector().setInputCols("x0", "x1").setMaxEpochs(MAX_EPOCHS).setSeed(7L).fit(df);
    }

    @AfterAll
    void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static double[] logProbsById(Dataset<Row> scored) {
        List<Row> rows = scored.select("id", "logProb").orderBy("id").collectAsList();
        double[] lp = new double[rows.size()];
        for (int i = 0; i < lp.length; i++) {
            assertEquals(i, rows.get(i).getLong(0));
            lp[i] = rows.get(i).getDouble(1);
        }
        return lp;
    }

    /**
     * The flagged share on the training rows is the contamination within approxQuantile's rank error
     * plus one row (no ties: continuous data); the flow ranks the anomalies as well as the true
     * mixture density does (AUC within 0.01); anomalies round-trip through Parquet.
     */
    @Test
    void flagsTheContaminationAndRanksAnomaliesLikeTheTrueDensity(@TempDir Path tmp) {
        Dataset<Row> scored = model.transform(df);
        assertEquals(List.of("id", "x0", "x1", "label", "logProb", "isAnomaly", "pValue", "explanation"),
                Arrays.asList(scored.columns()));
        List<Row> rows = scored.select("id", "label", "logProb", "isAnomaly").orderBy("id").collectAsList();
        double[] flowScore = new double[ROWS];
        double[] trueScore = new double[ROWS];
        int[] label = new int[ROWS];
        long flagged = 0;
        for (int i = 0; i < ROWS; i++) {
            Row r = rows.get(i);
            label[i] = r.getInt(1);
            flowScore[i] = -r.getDouble(2);
            trueScore[i] = -NotebookData.mixtureLogDensity(data.x()[i]);
            assertEquals(r.getDouble(2) <= model.getThreshold(), r.getBoolean(3));
            flagged += r.getBoolean(3) ? 1 : 0;
        }
        double contamination = model.getContamination();
        double fraction = (double) flagged / ROWS;
        double tolerance = AnomalyThreshold.tolerance(model.getContaminationError(), ROWS);
        System.out.printf("flagged %d of %d rows (%.5f), contamination %.5f, tolerance %.5f%n", flagged, ROWS,
                fraction, contamination, tolerance);
        assertTrue(Math.abs(fraction - contamination) <= tolerance,
                "flagged " + fraction + " vs contamination " + contamination);
        AnomalyThreshold fitted = model.trainingSummary().contaminationThreshold().orElseThrow();
        assertEquals(model.getThreshold(), fitted.threshold());
        assertTrue(fitted.withinTolerance(), fitted.toString());

        double flowAuc = SparkTestData.auc(flowScore, label);
        double trueAuc = SparkTestData.auc(trueScore, label);
        System.out.printf("ROC AUC: flow %.5f, true mixture density %.5f%n", flowAuc, trueAuc);
        assertTrue(Math.abs(flowAuc - trueAuc) <= 0.01, "flow AUC " + flowAuc + " vs true " + trueAuc);

        String out = tmp.resolve("anomalies.parquet").toString();
        scored.filter("isAnomaly").write().parquet(out);
        Dataset<Row> back = spark.read().parquet(out);
        assertEquals(flagged, back.count());
        assertEquals(Arrays.asList(scored.columns()), Arrays.asList(back.columns()));
        assertTrue(back.filter("NOT isAnomaly").isEmpty());
    }

    /** Twice the same transform: bit-identical log-densities. */
    @Test
    void scoresAreDeterministic() {
        Dataset<Row> sample = df.limit(20_000);
        assertArrayEquals(logProbsById(model.transform(sample)), logProbsById(model.transform(sample)));
    }

    /**
     * The distributed fit reaches the true density about as closely as the one-JVM trainer on the
     * same rows: on fresh rows, the mean of {@code log p_true - log p_flow} estimates KL(p || q) with a
     * small paired variance; both must be below 0.02 nats.
     */
    @Test
    void parameterAveragingMatchesTheOneJvmTrainer() {
        TrainingConfig cfg = TrainingConfig.defaults().withEpochs(MAX_EPOCHS).withSeed(7L);
        long t0 = System.nanoTime();
        TrainingResult local = new FlowTrainer(FlowArchitecture.defaults(2), cfg, DataType.FLOAT).fit(data.x());
        double localSeconds = (System.nanoTime() - t0) / 1e9;
        double[][] fresh = NotebookData.mixture2d(20_000, 99L).x();
        double sparkKl = klEstimate(model.flow(), fresh);
        double localKl = klEstimate(local.flow(), fresh);
        MafTrainingSummary s = model.trainingSummary();
        double localRowsPerSecond = local.history().stream().mapToDouble(EpochStats::rowsPerSecond).average()
                .orElse(Double.NaN);
        System.out.printf("local[2] parameter averaging: %.0f rows/s, %d epochs, best epoch %d, validation NLL "
                + "%.4f, fit %.1f s, KL estimate %.4f%n", s.rowsPerSecond(), s.history().size(), s.bestEpoch(),
                s.best().validationNll(), s.trainingSeconds(), sparkKl);
        System.out.printf("one-JVM FlowTrainer:         %.0f rows/s, %d epochs, best epoch %d, validation NLL "
                + "%.4f, fit %.1f s, KL estimate %.4f%n", localRowsPerSecond, local.history().size(),
                local.bestEpoch(), local.history().get(local.bestEpoch() - 1).validationNll(), localSeconds, localKl);
        assertTrue(sparkKl < 0.02, "parameter averaging: KL estimate " + sparkKl);
        assertTrue(localKl < 0.02, "one JVM: KL estimate " + localKl);
    }

    private static double klEstimate(MaskedAutoregressiveFlow flow, double[][] x) {
        double[] lp = flow.logProb(x);
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += NotebookData.mixtureLogDensity(x[i]) - lp[i];
        }
        return s / x.length;
    }

    /** A saved model loads with the same params, threshold, summary and bit-identical scores. */
    @Test
    void savedModelLoadsAndScoresIdentically(@TempDir Path tmp) throws IOException {
        String path = tmp.resolve("model").toString();
        model.write().save(path);
        model.write().overwrite().save(path);
        assertThrows(IOException.class, () -> model.write().save(path), "save over an existing path without overwrite");
        MafOutlierModel loaded = MafOutlierModel.load(path);
        assertEquals(model.uid(), loaded.uid());
        assertEquals(model.getThreshold(), loaded.getThreshold());
        assertArrayEquals(model.getInputCols(), loaded.getInputCols());
        assertArrayEquals(model.featureNames(), loaded.featureNames());
        assertEquals(model.flowSha256(), loaded.flowSha256());
        assertEquals(model.trainingSummary(), loaded.trainingSummary());
        assertEquals(model.getSeed(), loaded.getSeed());
        assertEquals(model.getMaxEpochs(), loaded.getMaxEpochs());
        Dataset<Row> sample = df.limit(5_000);
        assertArrayEquals(logProbsById(model.transform(sample)), logProbsById(loaded.transform(sample)));
    }

    /** Metadata of another format version is refused, naming both versions. */
    @Test
    void otherMetadataVersionIsRefused(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("model");
        model.write().save(dir.toString());
        Path meta = dir.resolve("metadata").resolve("part-00000");
        String json = Files.readString(meta, StandardCharsets.UTF_8);
        assertTrue(json.contains("\"formatVersion\":1"), json);
        Files.writeString(meta, json.replace("\"formatVersion\":1", "\"formatVersion\":99"));
        // A hand edit: Hadoop's local file system would otherwise refuse the stale checksum first.
        Files.deleteIfExists(meta.resolveSibling(".part-00000.crc"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MafOutlierModel.load(dir.toString()));
        assertTrue(e.getMessage().contains("format version 99") && e.getMessage().contains("reads version 1"),
                e.getMessage());
    }

    /**
     * Damaged, foreign and truncated model directories are refused with a message naming the path and
     * what is wrong; the metadata's class is checked against the one class a model can be before
     * anything else is read (nothing named in a file is ever loaded).
     */
    @Test
    void damagedModelDirectoriesAreRefused(@TempDir Path tmp) throws IOException {
        String[][] cases = {
            {"truncated flow", "data/flow.zip", "truncate", "does not match the metadata"},
            {"metadata not JSON", "metadata/part-00000", "garbage", "part-00000"},
            {"foreign class", "metadata/part-00000", "class", "not a org.mafspark.spark.MafOutlierModel"},
            {"no metadata", "metadata/part-00000", "delete", "holds no part-* metadata file"}};
        for (String[] c : cases) {
            Path dir = tmp.resolve(c[0].replace(' ', '-'));
            model.write().save(dir.toString());
            Path file = dir.resolve(c[1]);
            byte[] bytes = Files.readAllBytes(file);
            switch (c[2]) {
                case "truncate" -> Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
                case "garbage" -> Files.writeString(file, "{not json");
                case "class" -> Files.writeString(file, new String(bytes, StandardCharsets.UTF_8).replace(
                        "org.mafspark.spark.MafOutlierModel", "java.lang.ProcessBuilder"));
                default -> Files.delete(file);
            }
            Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
            RuntimeException e = assertThrows(RuntimeException.class, () -> MafOutlierModel.load(dir.toString()),
                    c[0]);
            assertTrue(e.getMessage().contains(dir.getFileName().toString()) && e.getMessage().contains(c[3]),
                    c[0] + ": " + e.getMessage());
        }
    }

    /** VectorAssembler + detector in a Pipeline: fit, save, load, identical scores; the estimator saves too. */
    @Test
    void pipelineWithVectorAssemblerSavesAndLoads(@TempDir Path tmp) throws IOException {
        VectorAssembler assembler = new VectorAssembler().setInputCols(new String[] {"x0", "x1"})
                .setOutputCol("features");
        MafOutlierDetector detector = new MafOutlierDetector().setMaxEpochs(2).setNumLayers(2).setHiddenFeatures(16)
                .setThreshold(-8.0);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {assembler, detector});
        Dataset<Row> small = df.limit(5_000);
        PipelineModel fitted = pipeline.fit(small);
        MafOutlierModel stage = (MafOutlierModel) fitted.stages()[1];
        assertEquals(-8.0, stage.getThreshold());
        assertTrue(stage.trainingSummary().contaminationThreshold().isEmpty());
        assertArrayEquals(new String[] {"x0", "x1"}, stage.featureNames());

        String modelPath = tmp.resolve("pipeline-model").toString();
        fitted.write().overwrite().save(modelPath);
        PipelineModel loaded = PipelineModel.load(modelPath);
        assertArrayEquals(logProbsById(fitted.transform(small)), logProbsById(loaded.transform(small)));

        String pipelinePath = tmp.resolve("pipeline").toString();
        pipeline.write().overwrite().save(pipelinePath);
        MafOutlierDetector back = (MafOutlierDetector) Pipeline.load(pipelinePath).getStages()[1];
        assertEquals(detector.uid(), back.uid());
        assertEquals(-8.0, back.getThreshold());
        assertEquals(2, back.getNumLayers());
        assertEquals(16, back.getHiddenFeatures());
        assertFalse(back.hasInputCols());
    }
}
