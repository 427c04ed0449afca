package org.mafspark.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mafspark.data.NotebookData;
import org.mafspark.flow.FlowModelFormat;
import org.mafspark.flow.TrainingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code maf-spark demo}: the seed notebook's two examples trained in this JVM, each learned NLL
 * printed next to its known truth, and the trained models saved with {@link FlowModelFormat}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train the seed notebook's examples in one JVM and compare them with their known truths.",
            "(a) 1-D x = mu + sigma Z (mu=1, sigma=0.5, N=10000): the flow's NLL against the MLE and the "
                    + "true-parameter Gaussians.",
            "(b) 2-D anomaly exercise (0.999/0.001 mixture, 50000 rows): held-out NLL against the exact entropy, "
                    + "and the share of true anomalies flagged at log p <= alpha for alpha at a few quantiles.",
            "The trained models are saved in --out."})
public final class DemoCommand implements Callable<Integer> {
    static final int ROWS_2D = 50_000;
    static final int QUICK_ROWS_2D = 10_000;
    static final int STEPS_1D = 1000;
    static final int QUICK_STEPS_1D = 150;
    static final int QUICK_EPOCHS = 5;

    @Mixin
    CommonOptions common;

    @Option(names = "--epochs", paramLabel = "N",
            description = "Maximum epochs of the 2-D training (default: " + QUICK_EPOCHS + " with --quick, "
                    + "else the trainer's default).")
    Integer epochs;

    @Option(names = "--steps-1d", paramLabel = "N",
            description = "Full-batch Adam steps of the 1-D flow, as the notebook's num_iter (default: "
                    + STEPS_1D + ", " + QUICK_STEPS_1D + " with --quick).")
    Integer steps1d;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/demo",
            description = "Directory for the trained models (default: ${DEFAULT-VALUE}).")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        int e = epochs != null ? epochs : common.quick() ? QUICK_EPOCHS : TrainingConfig.defaults().epochs();
        int s = steps1d != null ? steps1d : common.quick() ? QUICK_STEPS_1D : STEPS_1D;
        if (e < 1) {
            throw new ParameterException(spec.commandLine(), "--epochs must be >= 1, got " + e);
        }
        if (s < 1) {
            throw new ParameterException(spec.commandLine(), "--steps-1d must be >= 1, got " + s);
        }
        int rows = common.quick() ? QUICK_ROWS_2D : ROWS_2D;
        // Fail on an unwritable --out now, not after minutes of training.
        Files.createDirectories(out);

        GaussianDemo.Result a = GaussianDemo.run(common.seed(), s);
        Path modelA = out.resolve("gaussian1d-flow.zip");
        FlowModelFormat.save(a.flow(), modelA);
        MixtureDemo.Result b = MixtureDemo.run(rows, e, common.seed());
        Path modelB = out.resolve("mixture2d-flow.zip");
        FlowModelFormat.save(b.flow(), modelB);

        PrintWriter w = spec.commandLine().getOut();
        printGaussian(w, a);
        printMixture(w, b);
        w.println();
        w.println("Models saved:");
        w.println("  " + modelA.toAbsolutePath().normalize());
        w.println("  " + modelB.toAbsolutePath().normalize());
        w.println(String.format(Locale.ROOT, "Wall time: (a) %.1f s, (b) %.1f s", a.seconds(), b.seconds()));
        w.flush();
        return 0;
    }

    private static void printGaussian(PrintWriter w, GaussianDemo.Result a) {
        w.println();
        w.println(String.format(Locale.ROOT, "(a) 1-D: x = %.1f + %.1f Z, %d rows; flow D=1, hidden %d, blocks %d, "
                + "layers %d; %d full-batch Adam steps", NotebookData.MU, NotebookData.SIGMA, GaussianDemo.ROWS,
                GaussianDemo.architecture().hidden(), GaussianDemo.architecture().blocks(),
                GaussianDemo.architecture().layers(), a.steps()));
        // The notebook prints the summed loss (7291.14 at the true parameters for its draw): so do we.
        int n = GaussianDemo.ROWS;
        w.print(new TextTable("NLL on the same rows", "mean, nats/row", "sum (notebook's loss)", "flow - this (mean)")
                .row("flow", f5(a.flowNll()), f2(n * a.flowNll()), "")
                .row("MLE Gaussian (closed form)", f5(a.mleNll()), f2(n * a.mleNll()),
                        signed(a.flowNll() - a.mleNll()))
                .row("Gaussian, true mu and sigma", f5(a.trueNll()), f2(n * a.trueNll()),
                        signed(a.flowNll() - a.trueNll()))
                .row("entropy 0.5 log(2 pi e sigma^2)", f5(GaussianDemo.Result.entropy()), "",
                        signed(a.flowNll() - GaussianDemo.Result.entropy()))
                .render());
        w.print(new TextTable("parameter", "true", "MLE", "flow samples")
                .row("mean", f4(NotebookData.MU), f4(a.mleMean()), f4(a.flowMean()))
                .row("standard deviation", f4(NotebookData.SIGMA), f4(a.mleSd()), f4(a.flowSd()))
                .render());
    }

    private static void printMixture(PrintWriter w, MixtureDemo.Result b) {
        w.println();
        w.println(String.format(Locale.ROOT, "(b) 2-D anomaly exercise: %d training rows (%d anomalies), %d "
                + "held-out rows; default flow; %d epochs, best %d (%s)", b.rows(), b.anomalies(), b.heldOutRows(),
                b.training().history().size(), b.training().bestEpoch(), b.training().stopReason()));
        w.print(new TextTable("held-out mean NLL", "nats/row", "flow - this")
                .row("flow", f4(b.flowNll()), "")
                .row("exact mixture density, same rows", f4(b.exactNll()), signed(b.flowNll() - b.exactNll()))
                .row("exact entropy (quadrature)", f4(b.entropy()), signed(b.flowNll() - b.entropy()))
                .row("  standard error of a " + b.heldOutRows() + "-row mean", f4(b.standardError()), "")
                .render());
        TextTable t = new TextTable("flag log p <= alpha at quantile", "alpha", "flagged", "anomalies flagged",
                "recall", "precision", "exact-density recall");
        for (MixtureDemo.Flagging f : b.flagging()) {
            t.row(TextTable.fixed(100 * f.quantile(), 1) + "%", TextTable.fixed(f.alpha(), 3), f.flagged(),
                    f.anomaliesFlagged() + "/" + b.anomalies(), pct(f.anomaliesFlagged(), b.anomalies()),
                    pct(f.anomaliesFlagged(), f.flagged()), pct(f.oracleAnomaliesFlagged(), b.anomalies()));
        }
        w.print(t.render());
    }

    private static String f4(double v) {
        return TextTable.fixed(v, 4);
    }

    private static String f5(double v) {
        return TextTable.fixed(v, 5);
    }

    private static String f2(double v) {
        return TextTable.fixed(v, 2);
    }

    private static String signed(double v) {
        return String.format(Locale.ROOT, "%+.5f", v);
    }

    private static String pct(int num, int den) {
        return den == 0 ? "n/a" : TextTable.fixed(100.0 * num / den, 1) + "%";
    }
}
