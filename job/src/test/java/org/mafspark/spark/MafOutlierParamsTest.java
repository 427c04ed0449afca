package org.mafspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Params, schema validation and the contamination threshold: no training needed. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MafOutlierParamsTest {
    private static final Set<String> PARAMS = Set.of("featuresCol", "inputCols", "logProbCol", "predictionCol",
            "pValueCol", "explanationCol", "explainFeatures",
            "threshold", "contamination", "contaminationError", "numLayers", "hiddenFeatures", "numBlocks",
            "maxEpochs", "batchSizePerWorker", "averagingFrequency", "learningRate", "validationFraction",
            "earlyStoppingPatience", "seed", "numWorkers", "clipNorm", "checkpointDir");

    private SparkSession spark;

    @BeforeAll
    void start() {
        spark = SparkTestData.session();
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    /** Spark finds every param by reflection, each call returns the same instance owned by the detector. */
    @Test
    void paramsAreDiscoveredDocumentedAndStable() {
        MafOutlierDetector d = new MafOutlierDetector();
        Set<String> names = Arrays.stream(d.params()).map(Param::name).collect(Collectors.toSet());
        assertEquals(PARAMS, names);
        assertSame(d.numLayers(), d.numLayers());
        assertSame(d.getParam("threshold"), d.threshold());
        for (Param<?> p : d.params()) {
            assertEquals(d.uid(), p.parent());
            assertFalse(p.doc().isBlank(), p.name());
            assertTrue(d.explainParams().contains(p.name() + ": " + p.doc()), p.name());
        }
        assertEquals("logProb", d.getLogProbCol());
        assertEquals("isAnomaly", d.getPredictionCol());
        assertEquals(0.001, d.getContamination());
        assertEquals(1e-4, d.getContaminationError());
        assertFalse(d.hasThreshold());
        assertFalse(d.hasInputCols());
        assertFalse(d.hasNumWorkers());
        assertEquals("", d.getCheckpointDir(), "no checkpoints unless asked");
        assertEquals(0.0, d.getClipNorm());
        assertThrows(IllegalStateException.class, d::getThreshold);
        d.setThreshold(-3.5);
        assertTrue(d.hasThreshold());
        assertEquals(-3.5, d.getThreshold());
        d.clearThreshold();
        assertFalse(d.hasThreshold());
    }

    @Test
    void copyAndExtractParamMapCarryValues() {
        MafOutlierDetector d = new MafOutlierDetector().setNumLayers(3).setInputCols("a", "b");
        MafOutlierDetector c = d.copy(new ParamMap().put(d.hiddenFeatures(), 8));
        assertEquals(d.uid(), c.uid());
        assertEquals(3, c.getNumLayers());
        assertEquals(8, c.getHiddenFeatures());
        assertEquals(64, d.getHiddenFeatures());
        assertEquals(List.of("a", "b"), Arrays.asList(c.getInputCols()));
        ParamMap m = d.extractParamMap();
        assertEquals(3, m.apply(d.numLayers()));
        assertEquals(PARAMS.size() - 2, m.size(), "every param but threshold and numWorkers is defined");
    }

    /** The epoch budget when maxEpochs is left unset: optimizer steps per worker decide, not epochs. */
    @Test
    void defaultEpochBudgetFollowsTheDataSize() {
        // 45,000 rows on 2 workers in batches of 512: 44 steps per epoch (22,500 / 512, rounded up: 44), 46 epochs reach 2,000.
        assertEquals(46, MafOutlierDetector.autoEpochs(45_000, 2, 512, 20));
        // 10M rows: 9,766 steps per epoch; the default 20 epochs already make far more.
        assertEquals(20, MafOutlierDetector.autoEpochs(10_000_000, 2, 512, 20));
        // 1,000 rows: 1 step per epoch; capped.
        assertEquals(MafOutlierDetector.MAX_AUTO_EPOCHS, MafOutlierDetector.autoEpochs(1_000, 2, 512, 20));
    }

    @Test
    void invalidValuesAreRefused() {
        MafOutlierDetector d = new MafOutlierDetector();
        assertThrows(IllegalArgumentException.class, () -> d.setContamination(0.9));
        assertThrows(IllegalArgumentException.class, () -> d.setContamination(0.0));
        assertThrows(IllegalArgumentException.class, () -> d.setNumLayers(0));
        assertThrows(IllegalArgumentException.class, () -> d.setValidationFraction(1.0));
        assertThrows(IllegalArgumentException.class, () -> d.setThreshold(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> d.setInputCols());
        assertThrows(IllegalArgumentException.class, () -> d.setInputCols("a", "a"));
        assertThrows(IllegalArgumentException.class, () -> d.setLogProbCol(" "));
        assertThrows(IllegalArgumentException.class, () -> d.setClipNorm(-1.0));
    }

    @Test
    void detectorSavesAndLoadsItsParams(@TempDir Path tmp) throws Exception {
        MafOutlierDetector d = new MafOutlierDetector().setInputCols("a", "b").setThreshold(-12.25).setNumWorkers(3)
                .setSeed(5L);
        String path = tmp.resolve("detector").toString();
        d.write().save(path);
        MafOutlierDetector back = MafOutlierDetector.load(path);
        assertEquals(d.uid(), back.uid());
        assertEquals(List.of("a", "b"), Arrays.asList(back.getInputCols()));
        assertEquals(-12.25, back.getThreshold());
        assertEquals(3, back.getNumWorkers());
        assertEquals(5L, back.getSeed());
    }

    private Dataset<Row> table() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            rows.add(RowFactory.create(i * 0.5, i % 7, "n" + i, i == 42 ? null : (double) i));
        }
        StructType schema = new StructType().add("a", DataTypes.DoubleType).add("b", DataTypes.IntegerType)
                .add("name", DataTypes.StringType).add("gappy", DataTypes.DoubleType);
        return spark.createDataFrame(rows, schema);
    }

    private static void assertRefused(Runnable r, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        }
    }

    /** Schema errors name the column and the reason, before any training. */
    @Test
    void schemaErrorsNameTheColumn() {
        Dataset<Row> df = table();
        assertRefused(() -> new MafOutlierDetector().setInputCols("a", "nope").fit(df), "'nope'", "does not exist");
        assertRefused(() -> new MafOutlierDetector().setInputCols("a", "name").fit(df), "'name'", "string",
                "numeric");
        assertRefused(() -> new MafOutlierDetector().fit(df), "'features'", "does not exist");
        assertRefused(() -> new MafOutlierDetector().setFeaturesCol("a").fit(df), "'a'", "vector");
        assertRefused(() -> new MafOutlierDetector().setFeaturesCol("a").setInputCols("a").fit(df), "not both");
        assertRefused(() -> new MafOutlierDetector().setInputCols("a").setLogProbCol("b").fit(df), "'b'",
                "already exists");
        assertRefused(() -> new MafOutlierDetector().setInputCols("a").transformSchema(df.schema().add("isAnomaly",
                DataTypes.BooleanType)), "predictionCol", "'isAnomaly'");
        StructType out = new MafOutlierDetector().setInputCols("a", "b").transformSchema(df.schema());
        assertEquals(DataTypes.DoubleType, out.apply("logProb").dataType());
        assertEquals(DataTypes.BooleanType, out.apply("isAnomaly").dataType());
    }

    /** A null value found on an executor surfaces as an IllegalArgumentException naming the column. */
    @Test
    void nullFeatureValueNamesTheColumn() {
        assertRefused(() -> new MafOutlierDetector().setInputCols("a", "gappy").setMaxEpochs(1).fit(table()),
                "'gappy'", "null");
    }

    /** Distinct values: the flagged share is within relativeError + 1/n; all-equal values break it. */
    @Test
    void contaminationThresholdFlagsTheAskedShare() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            rows.add(RowFactory.create(Math.sin(i * 12.9898) * 100));
        }
        StructType schema = new StructType().add("lp", DataTypes.DoubleType);
        Dataset<Row> lp = spark.createDataFrame(rows, schema);
        AnomalyThreshold t = AnomalyThreshold.fromContamination(lp, "lp", 0.01, 1e-3);
        assertTrue(t.withinTolerance(), t.toString());
        assertEquals(20_000, t.rows());
        assertTrue(Math.abs(t.flaggedFraction() - 0.01) <= 1e-3 + 1.0 / 20_000, t.toString());

        List<Row> ties = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            ties.add(RowFactory.create(-1.0));
        }
        AnomalyThreshold tied = AnomalyThreshold.fromContamination(spark.createDataFrame(ties, schema), "lp", 0.01,
                1e-3);
        assertEquals(1.0, tied.flaggedFraction());
        assertFalse(tied.withinTolerance());
    }
}
