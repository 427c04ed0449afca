package org.mafspark.cli;

import picocli.CommandLine.Option;

/**
 * Options every sub-command shares, mixed in with {@code @Mixin}. Their {@code maf.conf} keys are
 * {@code seed} and {@code quick}, or qualified per command ({@code maf-spark.bench.quick}).
 */
public final class CommonOptions {
    @Option(names = "--seed", defaultValue = "42", paramLabel = "SEED",
            description = "Seed of the data, the initialisation and the shuffling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--quick", description = "A smaller, faster run (a smoke test of the command).")
    boolean quick;

    /** Seed of every random choice of the command. */
    public long seed() {
        return seed;
    }

    /** Whether the command should make a small, fast run. */
    public boolean quick() {
        return quick;
    }
}
