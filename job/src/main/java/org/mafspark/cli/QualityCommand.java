package org.mafspark.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.mafspark.bench.QualityBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code maf-spark quality}: detection quality on the planted-anomaly benchmark against GaussianMixture. */
@Command(name = "quality", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Detection quality on the semi-synthetic planted-anomaly benchmark (8 correlated, "
                + "non-Gaussian, partly discrete features; local, global, dependency and clustered anomalies): "
                + "maf-spark with default settings against Spark MLlib GaussianMixture, ROC AUC and PR AUC per "
                + "anomaly type, held-out NLL, explanation accuracy. Prints a table and writes JSON."})
public final class QualityCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "50000",
            description = "Normal rows (default: ${DEFAULT-VALUE}; 10000 with --quick).")
    int rows;

    @Option(names = "--per-type", paramLabel = "N", defaultValue = "250",
            description = "Planted anomalies of each type (default: ${DEFAULT-VALUE}; 50 with --quick).")
    int perType;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "out/bench/quality.json",
            description = "JSON report (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--tune", description = "Instead of the comparison, fit maf-spark once per setting of a small "
            + "grid around the defaults (epochs, learning rate, batch size, width, depth) and print the AUCs, "
            + "held-out NLL and fit time of each: how the defaults were chosen.")
    boolean tune;

    @Option(names = "--candidate", paramLabel = "NAME", description = "With --tune: only the grid settings of these "
            + "names (repeatable), e.g. --candidate defaults --candidate 'epochs 40'.")
    java.util.List<String> candidates;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path dir = out.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        int normalRows = common.quick() ? 10_000 : rows;
        int anomalies = common.quick() ? 50 : perType;
        SparkSession spark = LocalSpark.session("maf-spark quality");
        try {
            if (tune) {
                java.util.List<QualityBenchmark.CandidateResult> results = QualityBenchmark.tune(spark,
                        normalRows, anomalies, common.seed(),
                        QualityBenchmark.tuningGrid().stream()
                                .filter(c -> candidates == null || candidates.contains(c.name())).toList());
                Files.writeString(out, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(results) + "\n");
                PrintWriter w = spec.commandLine().getOut();
                w.printf("%nplanted-anomaly benchmark, tuning: %d normal rows, %d anomalies of each type, seed %d%n",
                        normalRows, anomalies, common.seed());
                w.print(QualityBenchmark.renderTuning(results));
                w.printf("Report: %s%n", out.toAbsolutePath().normalize());
                w.flush();
                return 0;
            }
            QualityBenchmark.QualityReport r = QualityBenchmark.run(spark, normalRows, anomalies, common.seed());
            Files.writeString(out, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(r) + "\n");
            PrintWriter w = spec.commandLine().getOut();
            w.println();
            w.printf("planted-anomaly benchmark: %d normal rows, %d anomalies of each type, seed %d%n",
                    r.normalRows(), r.anomaliesPerType(), r.seed());
            w.print(QualityBenchmark.render(r));
            w.printf("fit: MAF %.1f s, GaussianMixture (all k) %.1f s%nReport: %s%n", r.mafFitSeconds(),
                    r.gmmFitSeconds(), out.toAbsolutePath().normalize());
            w.flush();
            return 0;
        } finally {
            spark.stop();
        }
    }
}
