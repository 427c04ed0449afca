package org.mafspark.spark;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Where the features of a row are: either numeric columns ({@code inputCols}) or one vector
 * column ({@code featuresCol}). Validates a schema with errors that name the column and the
 * reason, and reads a row's features into a {@code double[]} on the executors.
 */
final class FeatureColumns implements Serializable {
    private static final long serialVersionUID = 1L;

    private final boolean vector;
    private final String[] columns;
    private final int[] indices;

    private FeatureColumns(boolean vector, String[] columns, int[] indices) {
        this.vector = vector;
        this.columns = columns;
        this.indices = indices;
    }

    /**
     * The feature columns of {@code params} in {@code schema}; throws {@link IllegalArgumentException}
     * naming the column when one is missing or has the wrong type, or when both column params are set.
     */
    static FeatureColumns resolve(MafOutlierParams<?> params, StructType schema) {
        if (params.hasInputCols()) {
            if (params.isSet(params.featuresCol())) {
                throw new IllegalArgumentException("set either inputCols (numeric columns) or featuresCol (a vector "
                        + "column), not both: inputCols=" + Arrays.toString(params.getInputCols()) + ", featuresCol='"
                        + params.getFeaturesCol() + "'");
            }
            String[] cols = params.getInputCols();
            Set<String> seen = new HashSet<>();
            int[] idx = new int[cols.length];
            for (int j = 0; j < cols.length; j++) {
                if (!seen.add(cols[j])) {
                    throw new IllegalArgumentException("column '" + cols[j] + "' is listed twice in inputCols");
                }
                StructField f = field(schema, cols[j], "input column");
                if (!(f.dataType() instanceof NumericType)) {
                    throw new IllegalArgumentException("input column '" + cols[j] + "' has type "
                            + f.dataType().simpleString() + ": features must be numeric (byte, short, int, long, "
                            + "float, double or decimal)");
                }
                idx[j] = schema.fieldIndex(cols[j]);
            }
            return new FeatureColumns(false, cols, idx);
        }
        String col = params.getFeaturesCol();
        StructField f = field(schema, col, "features column");
        if (!f.dataType().equals(SQLDataTypes.VectorType())) {
            throw new IllegalArgumentException("features column '" + col + "' has type " + f.dataType().simpleString()
                    + ": it must be a vector column (e.g. from VectorAssembler); for numeric columns set inputCols");
        }
        return new FeatureColumns(true, new String[] {col}, new int[] {schema.fieldIndex(col)});
    }

    private static StructField field(StructType schema, String name, String role) {
        if (!Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException(role + " '" + name + "' does not exist; the columns are "
                    + Arrays.toString(schema.fieldNames()));
        }
        return schema.apply(name);
    }

    /** Throws when an output column would overwrite an input column. */
    static void requireAbsent(StructType schema, String column, String param) {
        if (Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException(param + " '" + column + "' already exists in the input; choose "
                    + "another name with set" + Character.toUpperCase(param.charAt(0)) + param.substring(1));
        }
    }

    /** Element type of the explanation column: a feature's name and its contribution in nats. */
    static final StructType CONTRIBUTION = new StructType().add("feature", DataTypes.StringType, false)
            .add("contribution", DataTypes.DoubleType, false);

    /**
     * {@code schema} plus the output columns: log-probability, prediction, tail probability (null
     * without a reference) and explanation (null for rows not flagged).
     */
    static StructType outputSchema(StructType schema, MafOutlierParams<?> params) {
        String[] outputs = {params.getLogProbCol(), params.getPredictionCol(), params.getPValueCol(),
                params.getExplanationCol()};
        String[] names = {"logProbCol", "predictionCol", "pValueCol", "explanationCol"};
        for (int i = 0; i < outputs.length; i++) {
            requireAbsent(schema, outputs[i], names[i]);
            for (int k = 0; k < i; k++) {
                if (outputs[i].equals(outputs[k])) {
                    throw new IllegalArgumentException(names[k] + " and " + names[i] + " are both '" + outputs[i]
                            + "'");
                }
            }
        }
        return schema.add(outputs[0], DataTypes.DoubleType, false).add(outputs[1], DataTypes.BooleanType, false)
                .add(outputs[2], DataTypes.DoubleType, true)
                .add(outputs[3], DataTypes.createArrayType(CONTRIBUTION, false), true);
    }

    boolean isVector() {
        return vector;
    }

    /** The source columns: the numeric columns, or the single vector column. */
    String[] columns() {
        return columns.clone();
    }

    /**
     * Names of the {@code d} features: the numeric columns, the vector's ML attribute names when
     * they are all present, else {@code col[i]}.
     */
    String[] featureNames(StructType schema, int d) {
        if (!vector) {
            return columns.clone();
        }
        String[] names = new String[d];
        AttributeGroup group = AttributeGroup.fromStructField(schema.apply(columns[0]));
        boolean named = group.size() == d && group.attributes().isDefined();
        for (int i = 0; i < d; i++) {
            String n = null;
            if (named) {
                Attribute a = group.getAttr(i);
                n = a.name().isDefined() ? a.name().get() : null;
            }
            names[i] = n != null ? n : columns[0] + "[" + i + "]";
        }
        return names;
    }

    /** Vector size recorded in the column's ML metadata, or -1. */
    int declaredVectorSize(StructType schema) {
        return vector ? AttributeGroup.fromStructField(schema.apply(columns[0])).size() : columns.length;
    }

    /** Reads the {@code d} features of {@code row} into {@code out}; throws naming the column on a bad value. */
    void read(Row row, double[] out) {
        if (vector) {
            int i = indices[0];
            if (row.isNullAt(i)) {
                throw new InvalidFeatureException("features column '" + columns[0] + "' has a null vector");
            }
            Vector v = (Vector) row.get(i);
            if (v.size() != out.length) {
                throw new InvalidFeatureException("features column '" + columns[0] + "' has a vector of size "
                        + v.size() + "; expected " + out.length);
            }
            for (int j = 0; j < out.length; j++) {
                double x = v.apply(j);
                if (!Double.isFinite(x)) {
                    throw new InvalidFeatureException("features column '" + columns[0] + "' has a non-finite value ("
                            + x + ") at index " + j + ": impute or filter such rows first");
                }
                out[j] = x;
            }
            return;
        }
        for (int j = 0; j < out.length; j++) {
            int i = indices[j];
            if (row.isNullAt(i)) {
                throw new InvalidFeatureException("input column '" + columns[j] + "' has a null value: impute or "
                        + "filter such rows first (e.g. Imputer or na().drop())");
            }
            double x = ((Number) row.get(i)).doubleValue();
            if (!Double.isFinite(x)) {
                throw new InvalidFeatureException("input column '" + columns[j] + "' has a non-finite value (" + x
                        + "): impute or filter such rows first");
            }
            out[j] = x;
        }
    }

    /**
     * The {@link InvalidFeatureException} behind a failed Spark job, re-thrown on the driver with its
     * own message (Spark wraps executor exceptions in a SparkException whose message is a stack dump).
     */
    static RuntimeException unwrap(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidFeatureException) {
                return new IllegalArgumentException(t.getMessage(), e);
            }
        }
        if (e instanceof RuntimeException r) {
            return r;
        }
        // Scala code throws SparkException (checked in Java) without declaring it: pass it on unchanged.
        throw FeatureColumns.<RuntimeException>sneaky(e);
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable t) throws E {
        throw (E) t;
    }

    /** A bad feature value found on an executor. */
    static final class InvalidFeatureException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        InvalidFeatureException(String message) {
            super(message);
        }
    }
}
