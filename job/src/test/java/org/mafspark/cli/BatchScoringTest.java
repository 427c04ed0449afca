package org.mafspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.mafspark.data.NotebookData;
import org.mafspark.spark.MafOutlierModel;

/**
 * The scheduled scoring path through the CLI on real CSV and Parquet files: every bad value is
 * quarantined with its reason and counted (rows read = scored + quarantined), fatal problems stop
 * before any output exists, and batches are published whole: reruns replace one batch, concurrent
 * runs leave one complete copy, a failing run leaves the previous copy untouched.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchScoringTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int GOOD = 1000;

    private Path tmp;
    private String model;

    @BeforeAll
    void train() throws IOException {
        tmp = Files.createTempDirectory("maf-batch-test-");
        Path csv = tmp.resolve("train.csv");
        writeCsv(csv, NotebookData.mixture2d(3000, 1L).x(), List.of());
        model = tmp.resolve("model").toString();
        CliTest.Run r = CliTest.run("train", "--input", csv.toString(), "--model", model, "--epochs", "2",
                "--features", "x1,x2");
        assertEquals(0, r.code(), r.err());
    }

    @AfterAll
    void clean() throws IOException {
        try (Stream<Path> s = Files.walk(tmp)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Columns id, x1, x2: the rows of {@code x}, then {@code bad} lines as written. */
    private static void writeCsv(Path file, double[][] x, List<String> bad) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("id,x1,x2");
        for (int i = 0; i < x.length; i++) {
            lines.add(i + "," + x[i][0] + "," + x[i][1]);
        }
        for (int i = 0; i < bad.size(); i++) {
            lines.add((x.length + i) + "," + bad.get(i));
        }
        Files.write(file, lines);
    }

    /** One bad line per kind, and one with two bad values. */
    private static final List<String> BAD = List.of(",0.5", "0.5,NaN", "Infinity,0.1", "0.2,-Infinity", "abc,0.3",
            "n/a,NaN");
    private static final Map<Integer, String> REASONS = Map.of(
            GOOD, "x1: null", GOOD + 1, "x2: NaN", GOOD + 2, "x1: +Infinity", GOOD + 3, "x2: -Infinity",
            GOOD + 4, "x1: unparseable 'abc'", GOOD + 5, "x1: unparseable 'n/a'; x2: NaN");

    private Path scoreInput(String name) throws IOException {
        Path csv = tmp.resolve(name);
        writeCsv(csv, NotebookData.mixture2d(GOOD, 2L).x(), BAD);
        return csv;
    }

    private static JsonNode summary(Path dir) throws IOException {
        return JSON.readTree(dir.resolve(AnomalyJob.SUMMARY).toFile());
    }

    @Test
    void everyBadValueIsQuarantinedWithItsReasonAndCounted() throws IOException {
        Path out = tmp.resolve("out-quarantine");
        CliTest.Run r = CliTest.run("score", "--model", model, "--input", scoreInput("bad.csv").toString(),
                "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode s = summary(out);
        assertEquals(GOOD + BAD.size(), s.get("rowsRead").asLong());
        assertEquals(GOOD, s.get("rowsScored").asLong());
        assertEquals(BAD.size(), s.get("rowsQuarantined").asLong());
        assertTrue(Files.exists(out.resolve(BatchOutput.SUCCESS)));

        SparkSession spark = LocalSpark.session("test");
        try {
            Map<Integer, String> reasons = spark.read().parquet(out.resolve(AnomalyJob.QUARANTINE).toString())
                    .select("id", "reason").collectAsList().stream()
                    .collect(Collectors.toMap(row -> row.getInt(0), row -> row.getString(1)));
            assertEquals(REASONS, reasons);
            Dataset<Row> anomalies = spark.read().parquet(out.resolve(AnomalyJob.ANOMALIES).toString());
            assertEquals(s.get("rowsFlagged").asLong(), anomalies.count());
            assertTrue(List.of(anomalies.columns()).containsAll(List.of("id", "x1", "x2", "logProb", "pValue",
                    "explanation")));
        } finally {
            spark.stop();
        }
    }

    @Test
    void failPolicyStopsBeforeAnyOutputAndShowsTheRow() throws IOException {
        Path input = scoreInput("bad-fail.csv");
        Path out = tmp.resolve("out-fail");
        CliTest.Run r = CliTest.run("score", "--model", model, "--input", input.toString(), "--output",
                out.toString(), "--on-bad-rows", "fail");
        assertEquals(1, r.code());
        assertTrue(r.err().contains(input.toString()) && r.err().contains("first such row")
                && r.err().contains("--on-bad-rows"), r.err());
        assertTrue(r.err().matches("(?s).*x[12]: (null|NaN|\\+Infinity|-Infinity|unparseable).*"), r.err());
        assertFalse(Files.exists(out), "no output for a failed run");
    }

    @Test
    void unusableInputsFailClearlyBeforeAnyOutput() throws IOException {
        Path missing = tmp.resolve("missing-col.csv");
        Files.write(missing, List.of("id,x1,y", "1,0.5,0.5"));
        Path empty = tmp.resolve("empty.csv");
        Files.write(empty, List.of("id,x1,x2"));
        Path text = tmp.resolve("text.csv");
        Files.write(text, List.of("id,x1,x2", "1,0.5,low", "2,0.7,high"));
        String[][] cases = {
            {missing.toString(), "lacks the feature column(s) [x2]"},
            {empty.toString(), "has no rows"},
            {text.toString(), "feature column 'x2' is not numeric"}};
        for (String[] c : cases) {
            Path out = tmp.resolve("out-" + Path.of(c[0]).getFileName());
            CliTest.Run r = CliTest.run("score", "--model", model, "--input", c[0], "--output", out.toString());
            assertEquals(1, r.code(), r.out());
            assertTrue(r.err().contains(c[0]) && r.err().contains(c[1]), r.err());
            assertFalse(Files.exists(out), "no output for " + c[0]);
        }
    }

    @Test
    void batchesArePublishedWholeAndARerunReplacesOnlyItsOwn() throws IOException {
        Path out = tmp.resolve("batches");
        String input = scoreInput("batch.csv").toString();
        for (String id : List.of("a", "b")) {
            assertEquals(0, CliTest.run("score", "--model", model, "--input", input, "--output", out.toString(),
                    "--batch-id", id).code());
        }
        Path a = out.resolve("batch_id=a");
        Path b = out.resolve("batch_id=b");
        assertTrue(Files.exists(a.resolve(BatchOutput.SUCCESS)) && Files.exists(b.resolve(BatchOutput.SUCCESS)));
        byte[] bBefore = Files.readAllBytes(b.resolve(AnomalyJob.SUMMARY));
        long bModified = Files.getLastModifiedTime(b.resolve(AnomalyJob.SUMMARY)).toMillis();

        Path smaller = tmp.resolve("batch-small.csv");
        writeCsv(smaller, NotebookData.mixture2d(300, 3L).x(), List.of());
        assertEquals(0, CliTest.run("score", "--model", model, "--input", smaller.toString(), "--output",
                out.toString(), "--batch-id", "a").code());
        assertEquals(300, summary(a).get("rowsRead").asLong(), "batch a replaced");
        assertTrue(Files.exists(a.resolve(BatchOutput.SUCCESS)));
        assertEquals(new String(bBefore), Files.readString(b.resolve(AnomalyJob.SUMMARY)), "batch b untouched");
        assertEquals(bModified, Files.getLastModifiedTime(b.resolve(AnomalyJob.SUMMARY)).toMillis());
        assertEquals(List.of(), leftovers(out));

        SparkSession spark = LocalSpark.session("test");
        try {
            // The batches read as one partitioned table.
            Dataset<Row> all = spark.read().parquet(out.toString() + "/batch_id=*/" + AnomalyJob.QUARANTINE);
            assertEquals(BAD.size(), all.count());
        } finally {
            spark.stop();
        }
    }

    /** What is left in the staging area: nothing after successful or abandoned runs. */
    private static List<String> leftovers(Path out) throws IOException {
        Path staging = out.resolve(BatchOutput.STAGING);
        if (!Files.exists(staging)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(staging)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }

    @Test
    void concurrentRunsOfOneBatchLeaveOneCompleteCopy() throws Exception {
        Path out = tmp.resolve("concurrent");
        SparkSession spark = LocalSpark.session("test");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            MafOutlierModel m = MafOutlierModel.load(model);
            List<Future<AnomalyJob.Summary>> runs = new ArrayList<>();
            for (String input : List.of(scoreInput("c1.csv").toString(), scoreInput("c2.csv").toString())) {
                Dataset<Row> df = spark.read().option("header", "true").option("inferSchema", "true").csv(input);
                runs.add(pool.submit(() -> AnomalyJob.score(spark, m, df, input, model, out.toString(), "c", false,
                        false)));
            }
            for (Future<AnomalyJob.Summary> f : runs) {
                assertEquals(GOOD, f.get().rowsScored());
            }
            try (Stream<Path> s = Files.list(out)) {
                assertEquals(List.of("batch_id=c"), s.map(p -> p.getFileName().toString())
                        .filter(n -> !n.startsWith("_") && !n.startsWith(".")).toList());
            }
            Path c = out.resolve("batch_id=c");
            assertTrue(Files.exists(c.resolve(BatchOutput.SUCCESS)));
            assertEquals(GOOD + BAD.size(), summary(c).get("rowsRead").asLong());
            assertEquals(BAD.size(), spark.read().parquet(c.resolve(AnomalyJob.QUARANTINE).toString()).count());
            assertEquals(List.of(), leftovers(out));
        } finally {
            pool.shutdownNow();
            spark.stop();
        }
    }

    @Test
    void aRunFailingMidWriteLeavesThePreviousCopyAndNoPartialBatch() throws Exception {
        Path out = tmp.resolve("failing");
        String input = scoreInput("f.csv").toString();
        assertEquals(0, CliTest.run("score", "--model", model, "--input", input, "--output", out.toString(),
                "--batch-id", "d").code());
        Path d = out.resolve("batch_id=d");
        String before = Files.readString(d.resolve(AnomalyJob.SUMMARY));

        SparkSession spark = LocalSpark.session("test");
        try {
            MafOutlierModel m = MafOutlierModel.load(model);
            // A feature computed by a function that fails on one row: the job dies inside the write.
            spark.udf().register("explode", (UDF1<Double, Double>) v -> {
                if (v != null && v > -1.0) {
                    throw new IllegalStateException("injected failure");
                }
                return v;
            }, DataTypes.DoubleType);
            Dataset<Row> df = spark.read().option("header", "true").option("inferSchema", "true").csv(
                    tmp.resolve("train.csv").toString()).selectExpr("x1", "explode(x2) AS x2");
            assertThrows(Exception.class, () -> AnomalyJob.score(spark, m, df, "failing input", model,
                    out.toString(), "d", false, false));
        } finally {
            spark.stop();
        }
        assertEquals(before, Files.readString(d.resolve(AnomalyJob.SUMMARY)), "the previous copy is intact");
        assertTrue(Files.exists(d.resolve(BatchOutput.SUCCESS)));
        assertEquals(List.of(), leftovers(out));
        assertNotEquals(0, Files.size(d.resolve(AnomalyJob.SUMMARY)));
    }
}
