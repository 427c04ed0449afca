package org.mafspark.flow;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-feature affine standardisation {@code z = (x - mean) / scale}, fitted on the training data
 * and stored with the model. It is part of the density: {@code log p(x) = log p(z) - sum log scale},
 * so log-probabilities are in the user's original units. Serializable: Spark ships it to the
 * executors that standardise minibatches.
 */
public final class Standardization implements Transform, java.io.Serializable {
    private static final long serialVersionUID = 1L;
    /**
     * Relative floor of a scale: a constant column would otherwise divide by zero. Such a column is
     * centred but not scaled; its density stays finite because the flow's scales are bounded.
     */
    public static final double SCALE_FLOOR = 1e-12;

    private final double[] mean;
    private final double[] scale;

    public Standardization(double[] mean, double[] scale) {
        if (mean.length != scale.length) {
            throw new IllegalArgumentException("mean and scale differ in length");
        }
        for (int j = 0; j < scale.length; j++) {
            if (!(scale[j] > 0) || !Double.isFinite(scale[j]) || !Double.isFinite(mean[j])) {
                throw new IllegalArgumentException("feature " + j + ": standardisation needs a finite mean and a "
                        + "positive finite scale, got mean=" + mean[j] + " scale=" + scale[j]);
            }
        }
        this.mean = mean.clone();
        this.scale = scale.clone();
    }

    /** The identity standardisation for {@code features} features. */
    public static Standardization identity(int features) {
        double[] m = new double[features];
        double[] s = new double[features];
        java.util.Arrays.fill(s, 1.0);
        return new Standardization(m, s);
    }

    /**
     * From the mean and the POPULATION variance (divide by n; Spark's Summarizer returns the sample
     * variance, divide by n-1: convert it first); a standard deviation below
     * {@code SCALE_FLOOR * max(1, |mean|)} is replaced by 1 (constant column).
     */
    public static Standardization fromMoments(double[] mean, double[] variance) {
        double[] s = new double[mean.length];
        for (int j = 0; j < mean.length; j++) {
            double sd = Math.sqrt(Math.max(variance[j], 0.0));
            s[j] = sd > SCALE_FLOOR * Math.max(1.0, Math.abs(mean[j])) ? sd : 1.0;
        }
        return new Standardization(mean, s);
    }

    /** Fits on rows of {@code x} (two-pass mean and variance, numerically stable). */
    public static Standardization fit(double[][] x) {
        int d = x[0].length;
        double[] mean = new double[d];
        double[] var = new double[d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= x.length;
        }
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                double c = row[j] - mean[j];
                var[j] += c * c;
            }
        }
        for (int j = 0; j < d; j++) {
            var[j] /= x.length;
        }
        return fromMoments(mean, var);
    }

    /** {@code (x - mean) / scale} of one row, as a new array. */
    public double[] apply(double[] x) {
        double[] z = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            z[j] = (x[j] - mean[j]) / scale[j];
        }
        return z;
    }

    /** {@link #apply(double[])} for every row. */
    public double[][] apply(double[][] x) {
        double[][] z = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            z[i] = apply(x[i]);
        }
        return z;
    }

    public double[] mean() {
        return mean.clone();
    }

    public double[] scale() {
        return scale.clone();
    }

    public int features() {
        return mean.length;
    }

    /** {@code -sum_j log scale_j}, the same for every row. */
    public double logAbsDet() {
        double s = 0;
        for (double v : scale) {
            s -= Math.log(v);
        }
        return s;
    }

    @Override
    public Result forward(INDArray x) {
        INDArray m = Nd4j.create(mean).castTo(x.dataType()).reshape(1, mean.length);
        INDArray s = Nd4j.create(scale).castTo(x.dataType()).reshape(1, scale.length);
        INDArray z = x.subRowVector(m).diviRowVector(s);
        return new Result(z, Nd4j.valueArrayOf(new long[] {x.rows(), 1}, logAbsDet(), x.dataType()));
    }

    @Override
    public INDArray inverse(INDArray z) {
        INDArray m = Nd4j.create(mean).castTo(z.dataType()).reshape(1, mean.length);
        INDArray s = Nd4j.create(scale).castTo(z.dataType()).reshape(1, scale.length);
        return z.mulRowVector(s).addiRowVector(m);
    }
}
