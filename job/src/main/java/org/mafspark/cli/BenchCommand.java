package org.mafspark.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mafspark.bench.BenchReport;
import org.mafspark.bench.BenchSettings;
import org.mafspark.bench.Benchmark;
import org.mafspark.bench.GemmResult;
import org.mafspark.bench.Throughput;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code maf-spark bench}: single-JVM speed of the reference flow against the machine's sgemm limit. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure the reference flow's speed in one JVM against the machine's sgemm limit.",
            "Flow D=8, hidden 64, 2 blocks, 5 layers, float32: ND4J sgemm GFLOP/s; training, logProb and sample "
                    + "rows per second; each rate's ratio to its FLOP-bound limit (sgemm GFLOP/s * 1e9 / FLOPs per "
                    + "row). Prints a table and writes a JSON report."})
public final class BenchCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "out/bench/bench.json",
            description = "JSON report (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--spark", description = "Also measure Spark local[2]: training rows/s per averaging frequency "
            + "against one JVM, and Parquet-to-Parquet scoring rows/s.")
    boolean spark;

    @Option(names = "--scale", description = "Also measure how scoring grows with rows: end-to-end Parquet scoring "
            + "at each --scale-rows size with bytes sent to the driver and peak memory, a fitted cost per row, and "
            + "Spark MLlib GaussianMixture on the same data.")
    boolean scale;

    @Option(names = "--scale-rows", paramLabel = "N", split = ",", defaultValue = "1000000,2000000,5000000,10000000",
            description = "Sizes of the scaling runs, multiples of 250000 (default: ${DEFAULT-VALUE}; "
                    + "100000,200000,500000,1000000 with --quick).")
    long[] scaleRows;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        BenchSettings settings = common.quick() ? BenchSettings.quick() : BenchSettings.full();
        // Fail on an unwritable --out now, not after the measurements.
        Path dir = out.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        long[] sizes = !scale ? null : common.quick() ? new long[] {100_000, 200_000, 500_000, 1_000_000} : scaleRows;
        BenchReport r = Benchmark.run(settings, common.quick(), common.seed(), spark, sizes);
        r.writeJson(out);

        PrintWriter w = spec.commandLine().getOut();
        w.println();
        w.printf(Locale.ROOT, "maf-spark bench%s: %d cores (%s), Java %s, OMP_NUM_THREADS=%s, "
                + "OPENBLAS_CORETYPE=%s, load average %.1f at start%n", r.quick() ? " --quick" : "",
                r.machine().cores(), r.machine().cpuModel(), r.machine().javaVersion(), r.machine().ompNumThreads(),
                r.machine().openblasCoreType(), r.machine().loadAverage());
        if (r.machine().loadAverage() > r.machine().cores()) {
            w.println("WARNING: the machine was busy with other work (load above the core count): the figures "
                    + "understate it.");
        }
        w.printf(Locale.ROOT, "flow D=%d hidden %d blocks %d layers %d, %d parameters, %s, %d forward FLOPs/row%n",
                r.architecture().features(), r.architecture().hidden(), r.architecture().blocks(),
                r.architecture().layers(), r.params(), r.dataType(), r.forwardFlopsPerRow());
        TextTable g = new TextTable("sgemm [M x K] x [K x N]", "GFLOP/s median", "GFLOP/s best", "median ms");
        for (GemmResult s : r.sgemm()) {
            boolean reference = s.k() == r.architecture().hidden() && s.n() == r.architecture().hidden();
            g.row(s.shape() + (reference ? " (reference)" : ""),
                    TextTable.fixed(s.gflops(), 1), TextTable.fixed(s.bestGflops(), 1),
                    TextTable.fixed(1e3 * s.medianSeconds(), 2));
        }
        w.print(g.render());
        w.printf(Locale.ROOT, "Limits use %.1f GFLOP/s, the best rate of the [M x 64] x [64 x 64] products (%s; "
                + "each measured before, between and after the flow timings).%n", r.sgemmGflops(), r.referenceShape());
        TextTable t = new TextTable("operation", "rows/s", "FLOPs/row", "limit rows/s", "achieved/limit",
                "best rows/s", "best/limit");
        for (Throughput x : r.throughput()) {
            t.row(x.name(), TextTable.fixed(x.rowsPerSecond(), 0), x.flopsPerRow(),
                    TextTable.fixed(x.limitRowsPerSecond(), 0), TextTable.fixed(100 * x.ratio(), 1) + "%",
                    TextTable.fixed(x.bestRowsPerSecond(), 0), TextTable.fixed(100 * x.bestRatio(), 1) + "%");
        }
        w.print(t.render());
        w.println("rows/s: the median repetition, against the best sgemm reading; best: the fastest repetition "
                + "against the same limit.");
        if (r.spark() != null) {
            w.print(r.spark().render());
        }
        if (r.scale() != null) {
            w.print(r.scale().render());
        }
        w.printf(Locale.ROOT, "Report: %s (%.1f s)%n", out.toAbsolutePath().normalize(), r.seconds());
        w.flush();
        return 0;
    }
}
