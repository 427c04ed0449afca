package org.mafspark.cli;

import org.apache.spark.sql.SparkSession;

/**
 * The Spark session of a CLI command. Under {@code spark-submit} the master comes from its
 * configuration (it sets the {@code spark.master} system property); started with plain
 * {@code java}, the command runs Spark embedded in {@code local[2]}.
 */
final class LocalSpark {
    static final String EMBEDDED_MASTER = "local[2]";

    private LocalSpark() {}

    static SparkSession session(String appName) {
        SparkSession.Builder b = SparkSession.builder().appName(appName);
        if (System.getProperty("spark.master") == null) {
            // A short embedded job: no web UI to bind a port for.
            b.master(EMBEDDED_MASTER).config("spark.ui.enabled", "false");
        }
        return b.getOrCreate();
    }
}
