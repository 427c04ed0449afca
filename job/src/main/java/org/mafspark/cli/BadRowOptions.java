package org.mafspark.cli;

import picocli.CommandLine.Option;

/** What {@code run}, {@code train} and {@code score} do with rows whose features cannot be used. */
public final class BadRowOptions {
    /** The choices of {@code --on-bad-rows}. */
    public enum Policy { quarantine, fail }

    @Option(names = "--on-bad-rows", paramLabel = "POLICY", defaultValue = "quarantine",
            description = "Rows with a null, NaN, infinite or unparseable feature: 'quarantine' (written to "
                    + "quarantine/ with a reason and counted; the rest is processed) or 'fail' (stop before writing "
                    + "anything, showing the first such row). Default: ${DEFAULT-VALUE}.")
    Policy policy = Policy.quarantine;

    boolean failOnBadRows() {
        return policy == Policy.fail;
    }
}
