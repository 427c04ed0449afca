package org.mafspark.cli;

import java.util.function.Supplier;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.mafspark.flow.FlowTrainer;

/**
 * Silences {@link FlowTrainer}'s per-epoch INFO lines around a run whose "epochs" are single
 * full-batch steps (a thousand lines of log for the 1-D demo); the caller logs its own progress.
 * Works on the log4j2 backend that Spark puts on the classpath.
 */
final class Quiet {
    private Quiet() {}

    static <T> T flowTrainer(Supplier<T> body) {
        String name = FlowTrainer.class.getName();
        Level before = LogManager.getLogger(name).getLevel();
        Configurator.setLevel(name, Level.WARN);
        try {
            return body.get();
        } finally {
            Configurator.setLevel(name, before);
        }
    }
}
