package org.mafspark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mafspark.data.NotebookData;
import picocli.CommandLine;

/** The CLI's wiring: help, the CSV generator, and option defaults from maf.conf. No training here. */
class CliTest {
    @TempDir
    Path tmp;

    /** Exit code, standard output and standard error of one command line. */
    record Run(int code, String out, String err) {}

    static Run run(Properties defaults, String... args) {
        CommandLine cl = MafSparkCli.commandLine(defaults);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static Run run(String... args) {
        return run(new Properties(), args);
    }

    @Test
    void topLevelHelpListsTheCommands() {
        Run r = run("--help");
        assertEquals(0, r.code(), r.err());
        for (String c : List.of("demo", "generate", "bench")) {
            assertTrue(r.out().contains(c), "top-level help lacks " + c + ":\n" + r.out());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo", "generate", "bench"})
    void everyCommandHasHelp(String command) {
        Run r = run(command, "--help");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Usage: maf-spark " + command), r.out());
        assertTrue(r.out().contains("--seed"), "shared options are mixed in:\n" + r.out());
        assertEquals(r.out(), run("help", command).out(), "'help " + command + "' shows the same text");
    }

    @Test
    void missingCommandAndBadOptionsAreUsageErrors() {
        assertEquals(2, run().code());
        Run bad = run("generate", "--kind", "gaussian3d", "--out", tmp.resolve("x.csv").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("unknown kind 'gaussian3d'"), bad.err());
        Run neg = run("generate", "--rows", "0", "--out", tmp.resolve("y.csv").toString());
        assertEquals(2, neg.code());
        assertTrue(neg.err().contains("--rows must be >= 1"), neg.err());
    }

    @Test
    void generateWritesTheMixtureWithItsExactLabels() throws IOException {
        Path csv = tmp.resolve("sub/mixture.csv");
        int rows = 20_000;
        Run r = run("generate", "--kind", "mixture2d", "--rows", String.valueOf(rows), "--seed", "7",
                "--format", "csv", "--out", csv.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("x1,x2,label", lines.get(0));
        assertEquals(rows + 1, lines.size());

        NotebookData.Labelled truth = NotebookData.mixture2d(rows, 7L);
        int expected = 0;
        for (int y : truth.label()) {
            expected += y;
        }
        assertEquals(Math.round(NotebookData.ANOMALY_WEIGHT * rows), expected, "the generator's 0.1%");
        int labelled = 0;
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",");
            assertEquals(3, f.length, "line " + i);
            labelled += Integer.parseInt(f[2]);
            if (i <= 100) {
                // Values round-trip exactly: same seed, same rows, same order.
                assertArrayEquals(truth.x()[i - 1], new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])});
                assertEquals(truth.label()[i - 1], Integer.parseInt(f[2]));
            }
        }
        assertEquals(expected, labelled);
    }

    @Test
    void generateGaussianHasOneFeatureAndNoLabel() throws IOException {
        Path csv = tmp.resolve("g.csv");
        assertEquals(0, run("generate", "--kind", "gaussian1d", "--rows", "500", "--out", csv.toString()).code());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("x1", lines.get(0));
        assertEquals(501, lines.size());
    }

    @Test
    void generateRefusesToOverwriteUnlessAsked() throws IOException {
        Path csv = tmp.resolve("m.csv");
        Files.writeString(csv, "keep me\n");
        Run r = run("generate", "--rows", "10", "--out", csv.toString());
        assertEquals(2, r.code());
        assertEquals("keep me\n", Files.readString(csv));
        assertEquals(0, run("generate", "--rows", "10", "--out", csv.toString(), "--overwrite").code());
        assertEquals(11, Files.readAllLines(csv).size());
    }

    @Test
    void confDefaultsApplyAndTheCommandLineOverridesThem() throws IOException {
        Path conf = tmp.resolve("maf.conf");
        Files.writeString(conf, String.join("\n",
                "# qualified key for generate, bare key for every command",
                "maf-spark.generate.rows = 300",
                "maf-spark.generate.kind = gaussian1d",
                "seed = 5", ""));
        Properties defaults = CliDefaults.read(conf);

        Path a = tmp.resolve("a.csv");
        assertEquals(0, run(defaults, "generate", "--out", a.toString()).code());
        List<String> fromConf = Files.readAllLines(a);
        assertEquals("x1", fromConf.get(0), "kind from the file");
        assertEquals(301, fromConf.size(), "rows from the file");
        assertEquals(Double.toString(NotebookData.gaussian1d(1, 5L)[0][0]), fromConf.get(1), "seed from the file");

        Path b = tmp.resolve("b.csv");
        assertEquals(0, run(defaults, "generate", "--out", b.toString(), "--rows", "40", "--kind", "mixture2d",
                "--seed", "6").code());
        List<String> fromCli = Files.readAllLines(b);
        assertEquals("x1,x2,label", fromCli.get(0));
        assertEquals(41, fromCli.size());
        double[] first = NotebookData.mixture2d(40, 6L).x()[0];
        assertEquals(first[0] + "," + first[1], fromCli.get(1).substring(0, fromCli.get(1).lastIndexOf(',')));

        // The help text shows the effective default, the file's.
        assertTrue(run(defaults, "generate", "--help").out().contains("(default: gaussian1d)"));
    }
}
