package org.mafspark.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import picocli.CommandLine.Option;

/** Where a command reads its rows and which columns are features. */
public final class InputOptions {
    @Option(names = "--input", paramLabel = "PATH", description = "Input file or directory (any Hadoop path).")
    String input;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "csv (with a header), parquet, orc or json (default: from the extension, else parquet).")
    String format;

    @Option(names = "--features", paramLabel = "COL", split = ",",
            description = "Feature columns (default: every numeric column not excluded).")
    List<String> features;

    @Option(names = "--exclude", paramLabel = "COL", split = ",",
            description = "Columns that are never features (ids, labels); they are kept in the output.")
    List<String> exclude;

    /** The input path; a clear error when missing. */
    String input() {
        if (input == null) {
            throw new IllegalArgumentException("--input is required");
        }
        return input;
    }

    String format() {
        if (format != null) {
            String f = format.toLowerCase(Locale.ROOT);
            if (!List.of("csv", "parquet", "orc", "json").contains(f)) {
                throw new IllegalArgumentException("--format " + format + ": use csv, parquet, orc or json");
            }
            return f;
        }
        String lower = input().toLowerCase(Locale.ROOT);
        for (String f : new String[] {"csv", "orc", "json"}) {
            if (lower.endsWith("." + f)) {
                return f;
            }
        }
        return "parquet";
    }

    /** Reads the input with Spark's own reader (CSV: header row, schema inferred). */
    Dataset<Row> read(SparkSession spark) {
        String f = format();
        var reader = spark.read().format(f);
        if (f.equals("csv")) {
            // PERMISSIVE: a malformed line becomes nulls, which the job quarantines (FAILFAST would lose the batch).
            reader = reader.option("header", "true").option("inferSchema", "true").option("mode", "PERMISSIVE");
        }
        try {
            return reader.load(input());
        } catch (Exception e) {
            if (e.getMessage() != null && e.getMessage().contains("Path does not exist")) {
                throw new IllegalArgumentException("input " + input() + " does not exist", e);
            }
            throw e;
        }
    }

    /** The feature columns of {@code df}: the listed ones, or all numeric columns not excluded. */
    String[] featureColumns(Dataset<Row> df) {
        List<String> excluded = exclude == null ? List.of() : exclude;
        if (features != null && !features.isEmpty()) {
            for (String c : features) {
                if (excluded.contains(c)) {
                    throw new IllegalArgumentException("column '" + c + "' is both a feature and excluded");
                }
            }
            return features.toArray(new String[0]);
        }
        List<String> out = new ArrayList<>();
        for (StructField f : df.schema().fields()) {
            if (f.dataType() instanceof NumericType && !excluded.contains(f.name())) {
                out.add(f.name());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("input " + input + " has no numeric column to use as a feature "
                    + "(columns: " + Arrays.toString(df.columns()) + ")");
        }
        return out.toArray(new String[0]);
    }
}
