package org.mafspark.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.mllib.evaluation.BinaryClassificationMetrics;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Detection quality against a label column (1 = anomaly; never a feature), computed on Spark
 * without collecting the rows: ROC AUC and PR AUC (MLlib's {@link BinaryClassificationMetrics} on
 * the score {@code -log p}, curves down-sampled to about 200 points; PR AUC is the trapezoidal area
 * under MLlib's precision-recall curve), precision and recall at the threshold, and the notebook's
 * fraction of true anomalies selected as a function of alpha (one pass counting rows into a grid of
 * alphas made of quantiles of the anomalies' and of all rows' log-densities).
 *
 * @param rows labelled rows scored
 * @param anomalies rows with label 1
 */
public record LabelledEvaluation(long rows, long anomalies, double rocAuc, double prAuc, double threshold,
        long flagged, long flaggedAnomalies, double[] rocFpr, double[] rocTpr, double[] prRecall,
        double[] prPrecision, double[] alpha, double[] fractionOfAnomalies, double[] fractionOfRows) {

    public double precision() {
        return flagged == 0 ? Double.NaN : (double) flaggedAnomalies / flagged;
    }

    public double recall() {
        return anomalies == 0 ? Double.NaN : (double) flaggedAnomalies / anomalies;
    }

    /** Evaluates {@code scored} (with {@code logProbCol}) against {@code labelCol} at {@code threshold}. */
    public static LabelledEvaluation of(Dataset<Row> scored, String logProbCol, String labelCol, double threshold) {
        Dataset<Row> s = scored.select(col(logProbCol).as("lp"), col(labelCol).cast("double").as("y"));
        Row counts = s.agg(sum(when(col("y").equalTo(1.0), 1).otherwise(0)),
                sum(when(col("lp").leq(threshold), 1).otherwise(0)),
                sum(when(col("lp").leq(threshold).and(col("y").equalTo(1.0)), 1).otherwise(0)),
                org.apache.spark.sql.functions.count("*")).first();
        long anomalies = counts.isNullAt(0) ? 0 : counts.getLong(0);
        long flagged = counts.isNullAt(1) ? 0 : counts.getLong(1);
        long hits = counts.isNullAt(2) ? 0 : counts.getLong(2);
        long rows = counts.getLong(3);
        if (anomalies == 0 || anomalies == rows) {
            throw new IllegalArgumentException("label column '" + labelCol + "' needs both classes (1 = anomaly): "
                    + anomalies + " of " + rows + " rows are labelled 1");
        }
        JavaRDD<Tuple2<Object, Object>> scoreAndLabel = s.javaRDD()
                .map(r -> new Tuple2<>((Object) (-r.getDouble(0)), (Object) r.getDouble(1)));
        BinaryClassificationMetrics m = new BinaryClassificationMetrics(scoreAndLabel.rdd(), 200);
        List<Tuple2<Object, Object>> roc = m.roc().toJavaRDD().collect();
        List<Tuple2<Object, Object>> pr = m.pr().toJavaRDD().collect();
        double rocAuc = m.areaUnderROC();
        double prAuc = m.areaUnderPR();
        m.unpersist();

        double[] probs = new double[101];
        for (int i = 0; i < probs.length; i++) {
            probs[i] = i / 100.0;
        }
        TreeSet<Double> grid = new TreeSet<>();
        for (double q : s.filter(col("y").equalTo(1.0)).stat().approxQuantile("lp", probs, 0.001)) {
            grid.add(q);
        }
        for (double q : s.stat().approxQuantile("lp", probs, 0.001)) {
            grid.add(q);
        }
        grid.add(threshold);
        double[] alpha = grid.stream().mapToDouble(Double::doubleValue).toArray();
        int k = alpha.length;
        long[][] counted = s.javaRDD().mapPartitions(it -> {
            long[][] c = new long[2][k];
            while (it.hasNext()) {
                Row r = it.next();
                int bin = Arrays.binarySearch(alpha, r.getDouble(0));
                int first = bin >= 0 ? bin : -bin - 1; // first alpha >= lp
                if (first < k) {
                    c[0][first]++;
                    if (r.getDouble(1) == 1.0) {
                        c[1][first]++;
                    }
                }
            }
            return java.util.Collections.singletonList(c).iterator();
        }).reduce((a, b) -> {
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < k; j++) {
                    a[i][j] += b[i][j];
                }
            }
            return a;
        });
        double[] fracRows = new double[k];
        double[] fracAnomalies = new double[k];
        long allBelow = 0;
        long anomaliesBelow = 0;
        for (int j = 0; j < k; j++) {
            allBelow += counted[0][j];
            anomaliesBelow += counted[1][j];
            fracRows[j] = (double) allBelow / rows;
            fracAnomalies[j] = (double) anomaliesBelow / anomalies;
        }
        return new LabelledEvaluation(rows, anomalies, rocAuc, prAuc, threshold, flagged, hits,
                roc.stream().mapToDouble(t -> (Double) t._1()).toArray(),
                roc.stream().mapToDouble(t -> (Double) t._2()).toArray(),
                pr.stream().mapToDouble(t -> (Double) t._1()).toArray(),
                pr.stream().mapToDouble(t -> (Double) t._2()).toArray(), alpha, fracAnomalies, fracRows);
    }
}
