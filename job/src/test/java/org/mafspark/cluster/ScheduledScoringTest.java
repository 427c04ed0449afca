package org.mafspark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mafspark.data.NotebookData;
import org.mafspark.spark.MafOutlierDetector;
import org.mafspark.spark.MafOutlierModel;

/**
 * The scheduled-scoring path: a model saved by one process is loaded by a FRESH JVM running the
 * job's {@code score} command on new data. Its output must be exactly what the model flags in the
 * process that trained it: same rows, and every input row accounted for in {@code summary.json}.
 */
class ScheduledScoringTest {
    @TempDir
    Path dir;

    @Test
    void savedModelScoresNewDataInAFreshProcess() throws Exception {
        Path model = dir.resolve("model");
        Path fresh = writeCsv(dir.resolve("new.csv"), NotebookData.mixture2d(20_000, 77L));
        Set<Long> expected;
        SparkSession spark = SparkSession.builder().master("local[2]").appName("scheduled-scoring-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        try {
            Dataset<Row> train = spark.read().option("header", "true").option("inferSchema", "true")
                    .csv(writeCsv(dir.resolve("train.csv"), NotebookData.mixture2d(10_000, 76L)).toString());
            MafOutlierModel m = new MafOutlierDetector().setInputCols("x1", "x2").setMaxEpochs(2)
                    .setContamination(0.01).fit(train);
            m.write().save(model.toString());
            Dataset<Row> next = spark.read().option("header", "true").option("inferSchema", "true")
                    .csv(fresh.toString());
            expected = m.transform(next).filter("isAnomaly").select("id").collectAsList().stream()
                    .map(r -> ((Number) r.get(0)).longValue()).collect(Collectors.toCollection(TreeSet::new));
        } finally {
            spark.stop();
        }
        assertTrue(!expected.isEmpty(), "the model flags nothing on the new data");

        Path out = dir.resolve("scored");
        int exit = runCli("score", "--model", model.toString(), "--input", fresh.toString(), "--output",
                out.toString());
        assertEquals(0, exit, "score exit code");

        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals(20_000, summary.path("rowsRead").asLong());
        assertEquals(20_000, summary.path("rowsScored").asLong());
        assertEquals(expected.size(), summary.path("rowsFlagged").asLong());

        SparkSession check = SparkSession.builder().master("local[1]").appName("scheduled-scoring-check")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            Dataset<Row> anomalies = check.read().parquet(out.resolve("anomalies").toString());
            Set<Long> got = anomalies.select("id").collectAsList().stream().map(r -> ((Number) r.get(0)).longValue())
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(expected, got, "rows flagged by the fresh process");
            List<String> cols = List.of(anomalies.columns());
            assertTrue(cols.containsAll(List.of("id", "x1", "x2", "label", "logProb")), cols.toString());
        } finally {
            check.stop();
        }
    }

    private static Path writeCsv(Path file, NotebookData.Labelled data) throws IOException {
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
            w.println("id,x1,x2,label");
            for (int i = 0; i < data.x().length; i++) {
                // %.17g round-trips a double exactly, so both processes read the same values.
                w.printf(java.util.Locale.ROOT, "%d,%.17g,%.17g,%d%n", i, data.x()[i][0], data.x()[i][1],
                        data.label()[i]);
            }
        }
        return file;
    }

    /** Runs the job's CLI in a new JVM on this JVM's classpath; returns its exit code. */
    private int runCli(String... args) throws Exception {
        LocalSparkCluster.Classpath cp = LocalSparkCluster.Classpath.ofThisJvm();
        List<String> entries = new ArrayList<>();
        cp.directories.forEach(p -> entries.add(p.toString()));
        cp.jars.forEach(p -> entries.add(p.toString()));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(LocalSparkCluster.JAVA17_OPENS);
        cmd.add("-Xmx2g");
        cmd.add("-cp");
        cmd.add(String.join(java.io.File.pathSeparator, entries));
        cmd.add("org.mafspark.cli.MafSparkCli");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("cli.log").toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("score did not finish in 5 minutes:\n" + Files.readString(dir.resolve("cli.log")));
        }
        if (p.exitValue() != 0) {
            System.err.println(Files.readString(dir.resolve("cli.log")));
        }
        return p.exitValue();
    }
}
