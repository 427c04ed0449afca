package org.mafspark.cli;

import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.PropertiesDefaultProvider;
import picocli.CommandLine.Spec;

/**
 * Entry point of maf-spark: {@code maf-spark <command> [options]}.
 *
 * <p>Every sub-command is its own class in this package; options shared between commands live in
 * {@link CommonOptions}. Option defaults can be set in {@code conf/maf.conf} (see
 * {@link CliDefaults}); an option on the command line always wins over the file.
 */
@Command(name = MafSparkCli.NAME,
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Unsupervised anomaly detection on large tables with a Masked Autoregressive Flow.",
        footer = {"", "Option defaults are read from conf/maf.conf (or the file named by MAF_CONF or -Dmaf.conf); "
                + "command-line options override them. 'maf-spark help COMMAND' shows a command's options."},
        subcommands = {RunCommand.class, TrainCommand.class, ScoreCommand.class, DemoCommand.class,
            GenerateCommand.class, BenchCommand.class, QualityCommand.class, EvaluateCommand.class,
            CommandLine.HelpCommand.class})
public final class MafSparkCli implements Runnable {
    /** The top-level command name; also the prefix of qualified keys in {@code maf.conf}. */
    public static final String NAME = "maf-spark";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: choose one of "
                + spec.subcommands().keySet());
    }

    /** Runs the command line and exits the JVM with its exit code (0 on success). */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line with the defaults of {@link CliDefaults#load()}; returns the exit code. */
    public static int execute(String... args) {
        Properties defaults;
        try {
            defaults = CliDefaults.load();
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            System.err.println(NAME + ": error: " + e.getMessage());
            return 1;
        }
        return commandLine(defaults).execute(args);
    }

    /**
     * The configured command line: {@code defaults} are option values keyed by option name
     * ({@code epochs}) or by qualified name ({@code maf-spark.demo.epochs}), as in
     * {@link PropertiesDefaultProvider}.
     */
    public static CommandLine commandLine(Properties defaults) {
        CommandLine cl = new CommandLine(new MafSparkCli());
        // Registered after all sub-commands exist, so that the whole hierarchy receives it.
        cl.setDefaultValueProvider(new PropertiesDefaultProvider(defaults));
        cl.setExecutionExceptionHandler(new ErrorHandler());
        CliDefaults.warnAboutUnknownKeys(cl, defaults);
        return cl;
    }
}
