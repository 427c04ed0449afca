package org.mafspark.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.mafspark.data.NotebookData;

/** A local[2] session and the notebook's mixture as a DataFrame, for the Spark tests. */
final class SparkTestData {
    private SparkTestData() {}

    static SparkSession session() {
        return SparkSession.builder().master("local[2]").appName("maf-spark-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
    }

    /** Columns id (long), x0, x1 (double), label (int, 1 = anomaly): the label is not a feature. */
    static Dataset<Row> mixture(SparkSession spark, NotebookData.Labelled data) {
        List<Row> rows = new ArrayList<>(data.x().length);
        for (int i = 0; i < data.x().length; i++) {
            rows.add(RowFactory.create((long) i, data.x()[i][0], data.x()[i][1], data.label()[i]));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType, false)
                .add("x0", DataTypes.DoubleType, false).add("x1", DataTypes.DoubleType, false)
                .add("label", DataTypes.IntegerType, false);
        return spark.createDataFrame(rows, schema);
    }

    /**
     * ROC AUC of {@code score} (higher = more anomalous) against {@code label}: the Mann-Whitney
     * statistic with mid-ranks for ties.
     */
    static double auc(double[] score, int[] label) {
        int n = score.length;
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(score[a], score[b]));
        double rankSumPositive = 0;
        long positives = 0;
        for (int i = 0; i < n;) {
            int j = i;
            while (j + 1 < n && score[idx[j + 1]] == score[idx[i]]) {
                j++;
            }
            double midRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (label[idx[k]] == 1) {
                    rankSumPositive += midRank;
                    positives++;
                }
            }
            i = j + 1;
        }
        long negatives = n - positives;
        return (rankSumPositive - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }
}
