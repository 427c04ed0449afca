package org.mafspark.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;

/**
 * Splits a table into the rows that can be scored and the rows that cannot, with the reason, so that
 * no row is silently lost: a feature that is null, NaN, +-Infinity, or (in a text column, as CSV
 * gives) a value that does not parse as a number sends its row to quarantine with a {@code reason}
 * such as {@code "amount: NaN; latency: unparseable 'n/a'"}. Everything is a Spark SQL expression:
 * no row travels to the driver.
 *
 * <p>The scorable rows keep every column; text feature columns become doubles.
 */
public final class FeatureQuarantine {
    /** Name of the column that says why a row was quarantined. */
    public static final String REASON = "reason";

    private FeatureQuarantine() {}

    /** The two parts of a table; {@code quarantined} has the input's columns plus {@link #REASON}. */
    public record Split(Dataset<Row> scorable, Dataset<Row> quarantined) {}

    /**
     * Splits {@code table} on its {@code features}; throws (naming {@code source} and the column) when
     * a feature column is missing or neither numeric nor text.
     */
    public static Split split(Dataset<Row> table, String[] features, String source) {
        List<Column> reasons = new ArrayList<>();
        Dataset<Row> typed = table;
        List<String> names = Arrays.asList(table.columns());
        if (names.contains(REASON)) {
            throw new IllegalArgumentException(source + ": the input already has a column '" + REASON + "', which "
                    + "the quarantine output needs: rename it");
        }
        for (String f : features) {
            if (!names.contains(f)) {
                throw new IllegalArgumentException(source + ": feature column '" + f + "' does not exist; the columns "
                        + "are " + names);
            }
            StructField field = table.schema().apply(f);
            Column c = col(quoted(f));
            Column value;
            Column unparseable = lit(false);
            if (field.dataType() instanceof NumericType) {
                value = c.cast(DataTypes.DoubleType);
            } else if (field.dataType() instanceof StringType) {
                value = c.cast(DataTypes.DoubleType);
                unparseable = c.isNotNull().and(value.isNull());
            } else {
                throw new IllegalArgumentException(source + ": feature column '" + f + "' has type "
                        + field.dataType().simpleString() + ": features must be numbers (or text holding numbers)");
            }
            String label = f + ": ";
            reasons.add(when(c.isNull(), lit(label + "null"))
                    .when(unparseable, concat(lit(label + "unparseable '"), c.cast(DataTypes.StringType), lit("'")))
                    .when(isnan(value), lit(label + "NaN"))
                    .when(value.equalTo(Double.POSITIVE_INFINITY), lit(label + "+Infinity"))
                    .when(value.equalTo(Double.NEGATIVE_INFINITY), lit(label + "-Infinity")));
        }
        // concat_ws skips nulls: the reason is "" exactly when every feature is fine.
        Column reason = concat_ws("; ", reasons.toArray(new Column[0]));
        Dataset<Row> withReason = typed.withColumn(REASON, when(reason.equalTo(""), lit(null)).otherwise(reason));
        Dataset<Row> scorable = withReason.filter(col(REASON).isNull()).drop(REASON);
        for (String f : features) {
            if (table.schema().apply(f).dataType() instanceof StringType) {
                scorable = scorable.withColumn(f, col(quoted(f)).cast(DataTypes.DoubleType));
            }
        }
        return new Split(scorable, withReason.filter(col(REASON).isNotNull()));
    }

    /**
     * Throws when a feature column holds no parseable number at all (a text column that is not a
     * feature by mistake), naming the column and {@code source}; cheap, one aggregation.
     */
    public static void requireSomeNumbers(Dataset<Row> table, String[] features, String source) {
        for (String f : features) {
            if (table.schema().apply(f).dataType() instanceof StringType) {
                long parsed = table.filter(col(quoted(f)).cast(DataTypes.DoubleType).isNotNull()).limit(1).count();
                if (parsed == 0) {
                    throw new IllegalArgumentException(source + ": feature column '" + f + "' is not numeric: none "
                            + "of its values parses as a number");
                }
            }
        }
    }

    private static String quoted(String name) {
        return "`" + name.replace("`", "``") + "`";
    }
}
