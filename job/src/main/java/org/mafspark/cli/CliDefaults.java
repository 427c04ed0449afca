package org.mafspark.cli;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The job's option defaults, {@code conf/maf.conf}: a properties file whose keys are option names
 * without dashes ({@code epochs=30}, applying to every command with that option) or qualified by
 * command ({@code maf-spark.demo.epochs=30}, winning over the bare key).
 *
 * <p>The file is, in order: the system property {@code maf.conf}, the environment variable
 * {@code MAF_CONF}, or {@code conf/maf.conf} under the working directory if it exists. A file named
 * explicitly must exist; the implicit one is optional.
 */
public final class CliDefaults {
    /** System property naming the defaults file. */
    public static final String PROPERTY = "maf.conf";
    /** Environment variable naming the defaults file. */
    public static final String ENV = "MAF_CONF";
    /** Where the file is looked for when neither is set. */
    public static final Path IMPLICIT = Path.of("conf", "maf.conf");

    private static final Logger LOG = LoggerFactory.getLogger(CliDefaults.class);

    private CliDefaults() {}

    /** Loads the defaults file chosen as described above; empty if there is none. */
    public static Properties load() {
        String explicit = System.getProperty(PROPERTY);
        if (explicit == null || explicit.isBlank()) {
            explicit = System.getenv(ENV);
        }
        if (explicit != null && !explicit.isBlank()) {
            Path file = Path.of(explicit);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("defaults file " + file.toAbsolutePath()
                        + " (from -D" + PROPERTY + " or " + ENV + ") does not exist");
            }
            return read(file);
        }
        return Files.isRegularFile(IMPLICIT) ? read(IMPLICIT) : new Properties();
    }

    /** Reads one defaults file. */
    public static Properties read(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read defaults file " + file.toAbsolutePath(), e);
        }
        LOG.debug("option defaults from {}: {}", file.toAbsolutePath(), p.stringPropertyNames());
        return p;
    }

    /**
     * Logs a warning for every key that names no option: a misspelt key would otherwise be
     * silently ignored and the run would use a default the user believes they changed.
     */
    static void warnAboutUnknownKeys(CommandLine root, Properties defaults) {
        Set<String> known = new HashSet<>();
        collect(root.getCommandSpec(), known);
        Set<String> unknown = new TreeSet<>();
        for (String key : defaults.stringPropertyNames()) {
            if (!known.contains(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            LOG.warn("maf.conf keys that match no option (ignored): {}; valid keys: {}", unknown, new TreeSet<>(known));
        }
    }

    private static void collect(CommandSpec spec, Set<String> keys) {
        for (OptionSpec o : spec.options()) {
            if (o.usageHelp() || o.versionHelp()) {
                continue;
            }
            String bare = o.longestName().replaceFirst("^-+", "");
            keys.add(bare);
            keys.add(spec.qualifiedName(".") + "." + bare);
        }
        for (CommandLine sub : spec.subcommands().values()) {
            collect(sub.getCommandSpec(), keys);
        }
    }
}
