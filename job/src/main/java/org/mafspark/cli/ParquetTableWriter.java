package org.mafspark.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Writes a {@link GeneratedTable} as a Parquet directory with Spark's own writer: features as
 * non-null doubles, the label (if any) as a non-null int.
 */
final class ParquetTableWriter {
    /** Rows per output file: the notebook's sizes give one file, larger tables a few. */
    static final int ROWS_PER_FILE = 2_000_000;

    private ParquetTableWriter() {}

    static void write(GeneratedTable t, Path dir, boolean overwrite) {
        // Stop the session afterwards only if this call started it.
        boolean ours = SparkSession.getDefaultSession().isEmpty() && SparkSession.getActiveSession().isEmpty();
        SparkSession spark = LocalSpark.session("maf-spark generate");
        try {
            write(spark, t, dir, overwrite);
        } finally {
            if (ours) {
                spark.stop();
            }
        }
    }

    private static void write(SparkSession spark, GeneratedTable t, Path dir, boolean overwrite) {
        List<Row> rows = new ArrayList<>(t.rows());
        int d = t.featureColumns().length;
        for (int i = 0; i < t.rows(); i++) {
            Object[] cells = new Object[t.columns().length];
            for (int j = 0; j < d; j++) {
                cells[j] = t.x()[i][j];
            }
            if (t.labelled()) {
                cells[d] = t.label()[i];
            }
            rows.add(RowFactory.create(cells));
        }
        Dataset<Row> df = spark.createDataFrame(rows, schema(t));
        int files = Math.max(1, (t.rows() + ROWS_PER_FILE - 1) / ROWS_PER_FILE);
        // coalesce cannot raise the partition count of a local relation; repartition can.
        Dataset<Row> out = files == 1 ? df.coalesce(1) : df.repartition(files);
        out.write().mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
                .parquet(dir.toAbsolutePath().toString());
    }

    static StructType schema(GeneratedTable t) {
        List<StructField> fields = new ArrayList<>();
        for (String c : t.featureColumns()) {
            fields.add(DataTypes.createStructField(c, DataTypes.DoubleType, false));
        }
        if (t.labelled()) {
            fields.add(DataTypes.createStructField(GeneratedTable.LABEL, DataTypes.IntegerType, false));
        }
        return DataTypes.createStructType(fields);
    }
}
