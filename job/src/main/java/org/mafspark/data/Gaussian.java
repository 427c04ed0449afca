package org.mafspark.data;

import java.util.Random;

/** A multivariate normal with exact log-density and sampling (Cholesky), for data and truths. */
public final class Gaussian {
    private final double[] mean;
    private final double[][] chol;
    private final double[][] covInverse;
    private final double logNorm;

    public Gaussian(double[] mean, double[][] cov) {
        int d = mean.length;
        this.mean = mean.clone();
        this.chol = cholesky(cov);
        double logDet = 0;
        for (int i = 0; i < d; i++) {
            logDet += 2 * Math.log(chol[i][i]);
        }
        this.logNorm = -0.5 * (d * Math.log(2 * Math.PI) + logDet);
        this.covInverse = inverse(cov);
    }

    public int dimension() {
        return mean.length;
    }

    /** {@code log N(x; mean, cov)}. */
    public double logDensity(double[] x) {
        int d = mean.length;
        double q = 0;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                q += (x[i] - mean[i]) * covInverse[i][j] * (x[j] - mean[j]);
            }
        }
        return logNorm - 0.5 * q;
    }

    /** Differential entropy {@code 0.5 log((2 pi e)^D |cov|)} in nats. */
    public double entropy() {
        return -logNorm + 0.5 * mean.length;
    }

    /** One draw. */
    public double[] sample(Random rng) {
        int d = mean.length;
        double[] z = new double[d];
        for (int i = 0; i < d; i++) {
            z[i] = rng.nextGaussian();
        }
        double[] x = mean.clone();
        for (int i = 0; i < d; i++) {
            for (int j = 0; j <= i; j++) {
                x[i] += chol[i][j] * z[j];
            }
        }
        return x;
    }

    /** {@code n} draws from a generator seeded with {@code seed}. */
    public double[][] sample(int n, long seed) {
        Random rng = new Random(seed);
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            x[i] = sample(rng);
        }
        return x;
    }

    static double[][] cholesky(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                if (i == j) {
                    if (s <= 0) {
                        throw new IllegalArgumentException("covariance is not positive definite");
                    }
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        return l;
    }

    static double[][] inverse(double[][] a) {
        int n = a.length;
        double[][] m = new double[n][2 * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, m[i], 0, n);
            m[i][n + i] = 1;
        }
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[p][c])) {
                    p = r;
                }
            }
            double[] t = m[c];
            m[c] = m[p];
            m[p] = t;
            double piv = m[c][c];
            for (int k = 0; k < 2 * n; k++) {
                m[c][k] /= piv;
            }
            for (int r = 0; r < n; r++) {
                if (r != c) {
                    double f = m[r][c];
                    for (int k = 0; k < 2 * n; k++) {
                        m[r][k] -= f * m[c][k];
                    }
                }
            }
        }
        double[][] inv = new double[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(m[i], n, inv[i], 0, n);
        }
        return inv;
    }
}
