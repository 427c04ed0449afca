package org.mafspark.cli;

/**
 * Rows produced by {@code generate}: feature columns and, for labelled data, a separate
 * {@code label} column that must never be fed to the flow as a feature.
 *
 * @param featureColumns names of the feature columns ({@code x1, x2, ...})
 * @param x the features, {@code [rows][features]}
 * @param label per-row label (1 = anomaly), or {@code null} for unlabelled data
 */
public record GeneratedTable(String[] featureColumns, double[][] x, int[] label) {
    /** Name of the label column. */
    public static final String LABEL = "label";

    /** Number of rows. */
    public int rows() {
        return x.length;
    }

    /** Whether the table has a label column. */
    public boolean labelled() {
        return label != null;
    }

    /** Rows with label 1. */
    public int anomalies() {
        int n = 0;
        if (label != null) {
            for (int y : label) {
                n += y;
            }
        }
        return n;
    }

    /** All column names in file order: features, then the label if any. */
    public String[] columns() {
        if (label == null) {
            return featureColumns.clone();
        }
        String[] c = java.util.Arrays.copyOf(featureColumns, featureColumns.length + 1);
        c[featureColumns.length] = LABEL;
        return c;
    }
}
