package org.mafspark.bench;

import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.clustering.GaussianMixture;
import org.apache.spark.ml.clustering.GaussianMixtureModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.stat.distribution.MultivariateGaussian;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer the benchmarks compare against: Spark MLlib's {@link GaussianMixture} as a density
 * model, its number of components chosen by the mean log-likelihood of held-out rows, and
 * {@code log p(x) = logsumexp_k (log w_k + log N(x; mu_k, Sigma_k))} per row, scored on the executors.
 */
public final class GaussianMixturePeer {
    private static final Logger LOG = LoggerFactory.getLogger(GaussianMixturePeer.class);

    /** Components tried (MLlib needs at least 2). */
    public static final int[] COMPONENTS = {2, 4, 8, 16};

    private final GaussianMixtureModel model;
    private final int components;
    private final double validationLogLikelihood;

    private GaussianMixturePeer(GaussianMixtureModel model, int components, double validationLogLikelihood) {
        this.model = model;
        this.components = components;
        this.validationLogLikelihood = validationLogLikelihood;
    }

    /**
     * Fits one mixture per entry of {@link #COMPONENTS} on {@code train} and keeps the one with the
     * best mean log-likelihood on {@code validation}; both have a vector column {@code featuresCol}.
     */
    public static GaussianMixturePeer fit(Dataset<Row> train, Dataset<Row> validation, String featuresCol,
            long seed) {
        GaussianMixturePeer best = null;
        for (int k : COMPONENTS) {
            GaussianMixtureModel m = new GaussianMixture().setK(k).setFeaturesCol(featuresCol).setSeed(seed)
                    .setMaxIter(100).setTol(1e-4).fit(train);
            GaussianMixturePeer candidate = new GaussianMixturePeer(m, k, 0);
            double ll = candidate.meanLogDensity(validation, featuresCol);
            LOG.info("GaussianMixture k={}: validation mean log-likelihood {}", k, String.format("%.4f", ll));
            if (best == null || ll > best.validationLogLikelihood) {
                best = new GaussianMixturePeer(m, k, ll);
            }
        }
        return best;
    }

    public int components() {
        return components;
    }

    public double validationLogLikelihood() {
        return validationLogLikelihood;
    }

    /** {@code log p} of every row, in row order. */
    public JavaRDD<Double> logDensity(Dataset<Row> rows, String featuresCol) {
        MultivariateGaussian[] g = model.gaussians();
        double[] logW = new double[g.length];
        for (int k = 0; k < g.length; k++) {
            logW[k] = Math.log(model.weights()[k]);
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(rows.sparkSession().sparkContext());
        Broadcast<List<MultivariateGaussian>> gaussians = jsc.broadcast(List.of(g));
        int col = rows.schema().fieldIndex(featuresCol);
        return rows.javaRDD().map(r -> {
            Vector x = (Vector) r.get(col);
            List<MultivariateGaussian> gs = gaussians.value();
            double max = Double.NEGATIVE_INFINITY;
            double[] terms = new double[gs.size()];
            for (int k = 0; k < terms.length; k++) {
                terms[k] = logW[k] + gs.get(k).logpdf(x);
                max = Math.max(max, terms[k]);
            }
            double s = 0;
            for (double t : terms) {
                s += Math.exp(t - max);
            }
            return max + Math.log(s);
        });
    }

    /** Mean {@code log p} over the rows. */
    public double meanLogDensity(Dataset<Row> rows, String featuresCol) {
        return logDensity(rows, featuresCol).mapToDouble(Double::doubleValue).mean();
    }
}
