package org.mafspark.spark;

import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.mafspark.flow.MaskedAutoregressiveFlow;
import org.mafspark.scoring.PopulationStability;
import org.mafspark.scoring.ReferenceProfile;

/**
 * Measures a {@link DriftReport}: one distributed pass over (a sample of) the batch that scores each
 * row and counts it into the reference's bins of the log-density and of every feature; only the
 * counts ({@code (D + 1) x 10} numbers per partition) travel to the driver.
 */
final class BatchDrift {
    /** Rows enough for a PSI noise of about 9 / 200k = 5e-5, few enough to cost little beside scoring. */
    static final long MAX_ROWS = 200_000;

    private BatchDrift() {}

    static DriftReport measure(MafOutlierModel model, Dataset<?> batch, long batchRows, long seed) {
        ReferenceProfile reference = model.reference().orElseThrow(() -> new IllegalStateException(
                "this model has no reference profile to measure drift against: refit it"));
        Dataset<Row> rows = batch.toDF();
        if (batchRows > MAX_ROWS) {
            rows = rows.sample(false, Math.min(1.0, 1.1 * MAX_ROWS / batchRows), seed);
        }
        FeatureColumns features = FeatureColumns.resolve(model, rows.schema());
        Broadcast<FlowScorer.FlowBytes> flowBytes = model.scoringBroadcast(rows.sparkSession().sparkContext());
        int d = model.numFeatures();
        JavaRDD<long[][]> partials = rows.javaRDD().mapPartitions(it -> Collections.singletonList(
                count(it, features, FlowScorer.flow(flowBytes.value()), reference, d)).iterator());
        long[][] counts = partials.treeReduce(BatchDrift::add);
        Map<String, Double> featurePsi = new LinkedHashMap<>();
        String[] names = model.featureNames();
        for (int j = 0; j < d; j++) {
            featurePsi.put(names[j], reference.featureBins().get(j).index(counts[j + 1]));
        }
        long n = 0;
        for (long c : counts[0]) {
            n += c;
        }
        return new DriftReport(reference.logProbBins().index(counts[0]), featurePsi, n);
    }

    /** Row 0: the log-density's bins; row j + 1: feature j's bins. */
    private static long[][] count(Iterator<Row> rows, FeatureColumns features, MaskedAutoregressiveFlow flow,
            ReferenceProfile reference, int d) {
        long[][] counts = new long[d + 1][];
        counts[0] = new long[reference.logProbBins().bins()];
        for (int j = 0; j < d; j++) {
            counts[j + 1] = new long[reference.featureBins().get(j).bins()];
        }
        double[] flat = new double[FlowScorer.BATCH_ROWS * d];
        double[] x = new double[d];
        while (rows.hasNext()) {
            int n = 0;
            while (n < FlowScorer.BATCH_ROWS && rows.hasNext()) {
                features.read(rows.next(), x);
                for (int j = 0; j < d; j++) {
                    counts[j + 1][reference.featureBins().get(j).bin(x[j])]++;
                }
                System.arraycopy(x, 0, flat, n * d, d);
                n++;
            }
            for (double lp : FlowScorer.logProb(flow, flat, n, d)) {
                counts[0][reference.logProbBins().bin(lp)]++;
            }
        }
        return counts;
    }

    private static long[][] add(long[][] a, long[][] b) {
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < a[i].length; k++) {
                a[i][k] += b[i][k];
            }
        }
        return a;
    }
}
