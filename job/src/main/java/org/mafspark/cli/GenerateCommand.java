package org.mafspark.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code maf-spark generate}: writes the seed notebook's data sets (features {@code x1..xD}, and a
 * separate {@code label} column for the labelled mixture) as CSV or Parquet.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write the seed notebook's data sets as CSV or Parquet.",
            "gaussian1d: column x1 = 1 + 0.5 Z. mixture2d: features x1, x2 and a separate column label (1 for "
                    + "the 0.1%% rare component, the anomalies; 0 otherwise). Same seed, same rows."})
public final class GenerateCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(GenerateCommand.class);

    @Option(names = "--kind", paramLabel = "KIND", defaultValue = "mixture2d", converter = DataKind.Converter.class,
            completionCandidates = DataKind.Names.class,
            description = "Data set: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    DataKind kind;

    @Option(names = "--rows", paramLabel = "N",
            description = "Rows to draw (default: the notebook's, 10000 for gaussian1d, 50000 for mixture2d; "
                    + "2000 with --quick).")
    Integer rows;

    @Mixin
    CommonOptions common;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "csv", converter = OutputFormat.Converter.class,
            completionCandidates = OutputFormat.Names.class,
            description = "csv: one file with a header; parquet: a directory written by Spark (default: "
                    + "${DEFAULT-VALUE}).")
    OutputFormat format;

    @Option(names = "--out", paramLabel = "PATH", required = true,
            description = "Output file (csv) or directory (parquet).")
    Path out;

    @Option(names = "--overwrite", description = "Replace PATH if it exists.")
    boolean overwrite;

    @Spec
    CommandSpec spec;

    static final int QUICK_ROWS = 2000;

    @Override
    public Integer call() throws Exception {
        int n = rows != null ? rows : common.quick() ? QUICK_ROWS : kind.notebookRows();
        if (n < 1) {
            throw new ParameterException(spec.commandLine(), "--rows must be >= 1, got " + n);
        }
        if (Files.exists(out) && !overwrite) {
            throw new ParameterException(spec.commandLine(), out + " exists; pass --overwrite to replace it");
        }
        if (format == OutputFormat.CSV && Files.isDirectory(out)) {
            throw new ParameterException(spec.commandLine(), out + " is a directory; csv needs a file path");
        }
        long t0 = System.nanoTime();
        GeneratedTable t = kind.generate(n, common.seed());
        switch (format) {
            case CSV -> CsvTableWriter.write(t, out);
            case PARQUET -> ParquetTableWriter.write(t, out, overwrite);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        LOG.info("generated {} rows of {} in {} s", n, kind.cliName(), String.format("%.1f", seconds));
        PrintWriter w = spec.commandLine().getOut();
        w.printf("Wrote %d rows of %s (seed %d) as %s to %s%n", n, kind.cliName(), common.seed(), format.cliName(),
                out.toAbsolutePath().normalize());
        w.printf("Columns: %s%s%n", String.join(",", t.columns()),
                t.labelled() ? "  (label is NOT a feature: " + t.anomalies() + " rows with label=1, the anomalies)"
                        : "");
        w.flush();
        return 0;
    }
}
