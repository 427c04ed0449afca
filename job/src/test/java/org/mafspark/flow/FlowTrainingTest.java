package org.mafspark.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.junit.jupiter.api.Test;
import org.mafspark.data.Gaussian;
import org.mafspark.data.NotebookData;
import org.mafspark.flow.dl4j.MaskedAffineLayerImpl;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Training reaches the known optimum on the seed notebook's data sets (float32, as in production). */
class FlowTrainingTest {

    /**
     * Test 6, the notebook's 1-D example. With D = 1 every MADE output is a bias, so the flow is an
     * affine map and its best fit IS the maximum-likelihood Gaussian: the trained NLL can only
     * approach the MLE's from above.
     */
    @Test
    void oneDimensionalFlowReachesTheMaximumLikelihoodGaussian() {
        double[][] x = NotebookData.gaussian1d(10_000, 7L);
        double mean = 0;
        for (double[] r : x) {
            mean += r[0];
        }
        mean /= x.length;
        double var = 0;
        for (double[] r : x) {
            var += (r[0] - mean) * (r[0] - mean);
        }
        double sigmaHat = Math.sqrt(var / x.length);
        // Closed form: mean NLL of the MLE Gaussian on its own data = 0.5 log(2 pi sigma^2) + 0.5.
        double mleNll = 0.5 * Math.log(2 * Math.PI * sigmaHat * sigmaHat) + 0.5;

        FlowArchitecture arch = new FlowArchitecture(1, 4, 2, 5, FlowArchitecture.PermutationKind.REVERSE, 0L);
        // Full-batch Adam, as the notebook trains: no minibatch noise around the optimum.
        TrainingConfig cfg = TrainingConfig.defaults().withEpochs(600).withBatchSize(x.length).withLearningRate(1e-2)
                .withValidationFraction(0.0).withPatience(0);
        MaskedAutoregressiveFlow flow = new FlowTrainer(arch, cfg, DataType.FLOAT).fit(x).flow();
        double flowNll = flow.meanNll(x);
        assertTrue(flowNll - mleNll < 0.01, "flow NLL " + flowNll + " vs MLE " + mleNll);
        // float32 log-densities averaged over 10k rows round to ~1e-6; the MLE is the minimum.
        assertTrue(flowNll - mleNll > -1e-4, "flow NLL " + flowNll + " below the MLE's " + mleNll);

        // Its pdf against N(mu_hat, sigma_hat) on a grid over mu_hat +- 5 sigma_hat. An NLL excess
        // of 0.01 nats would allow a pdf error of ~0.07 (peak 0.8); we ask for 0.02.
        int n = 401;
        double[][] grid = new double[n][1];
        for (int i = 0; i < n; i++) {
            grid[i][0] = mean + sigmaHat * (-5 + 10.0 * i / (n - 1));
        }
        double[] lp = flow.logProb(grid);
        double maxErr = 0;
        for (int i = 0; i < n; i++) {
            double z = (grid[i][0] - mean) / sigmaHat;
            double truth = Math.exp(-0.5 * z * z) / (sigmaHat * Math.sqrt(2 * Math.PI));
            maxErr = Math.max(maxErr, Math.abs(Math.exp(lp[i]) - truth));
        }
        assertTrue(maxErr < 0.02, "max |p_flow - p_mle| on the grid = " + maxErr);
    }

    /**
     * Test 7: a correlated 2-D Gaussian. The held-out NLL estimates the true entropy with standard
     * error 1/sqrt(n) (-log p of a 2-D Gaussian has variance D/2 = 1): 0.0045 for n = 50k, so 0.02
     * is 4.4 standard errors. The paired excess over the true density on the same rows (an
     * estimate of KL(p || q) with far smaller variance) must be small too.
     */
    @Test
    void correlatedGaussianReachesItsEntropy() {
        Gaussian g = new Gaussian(new double[] {1, -2}, new double[][] {{2.0, 1.2}, {1.2, 1.5}});
        double[][] train = g.sample(30_000, 1L);
        double[][] heldOut = g.sample(50_000, 2L);
        TrainingResult r = new FlowTrainer(FlowArchitecture.defaults(2),
                TrainingConfig.defaults(), DataType.FLOAT).fit(train);
        double flowNll = r.flow().meanNll(heldOut);
        double trueNll = 0;
        for (double[] row : heldOut) {
            trueNll -= g.logDensity(row);
        }
        trueNll /= heldOut.length;
        assertEquals(g.entropy(), flowNll, 0.02, "held-out NLL vs entropy");
        assertTrue(flowNll - trueNll < 0.02 && flowNll - trueNll > -0.01,
                "paired excess over the true density " + (flowNll - trueNll));
        assertMasksIntact(r.flow());
    }

    /**
     * Test 8: the notebook's anomaly exercise, 0.999 / 0.001 mixture, 50k rows. Entropy from the
     * exact density by quadrature. Two-sample check: flow samples vs held-out rows, KS along four
     * directions (x1, x2, x1+x2, x1-x2), each at level 0.01/4 (Bonferroni: family level 0.01).
     */
    @Test
    void notebookMixtureReachesItsEntropyAndSamplesMatch() {
        double[][] train = NotebookData.mixture2d(50_000, 11L).x();
        double[][] heldOut = NotebookData.mixture2d(50_000, 12L).x();
        TrainingResult r = new FlowTrainer(FlowArchitecture.defaults(2),
                TrainingConfig.defaults(), DataType.FLOAT).fit(train);
        double entropy = NotebookData.mixtureEntropy();
        double flowNll = r.flow().meanNll(heldOut);

        assertEquals(entropy, flowNll, 0.02, "held-out NLL vs the mixture's entropy " + entropy);

        int n = 5000;
        INDArray s = r.flow().sample(n, 99L).castTo(DataType.DOUBLE);
        double[][] dirs = {{1, 0}, {0, 1}, {1, 1}, {1, -1}};
        KolmogorovSmirnovTest ks = new KolmogorovSmirnovTest();
        for (double[] dir : dirs) {
            double[] a = new double[n];
            double[] b = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = dir[0] * s.getDouble(i, 0) + dir[1] * s.getDouble(i, 1);
                b[i] = dir[0] * heldOut[i][0] + dir[1] * heldOut[i][1];
            }
            double p = ks.kolmogorovSmirnovTest(a, b);
            assertTrue(p > 0.01 / dirs.length, "KS along " + java.util.Arrays.toString(dir) + ": p = " + p);
        }
    }

    @Test
    void sameSeedSameModel() {
        double[][] x = NotebookData.mixture2d(3000, 5L).x();
        TrainingConfig cfg = TrainingConfig.defaults().withEpochs(2);
        FlowArchitecture arch = FlowArchitecture.defaults(2).withHidden(16);
        INDArray a = new FlowTrainer(arch, cfg, DataType.FLOAT).fit(x).flow().network().params();
        INDArray b = new FlowTrainer(arch, cfg, DataType.FLOAT).fit(x).flow().network().params();
        assertEquals(a, b);
        INDArray c = new FlowTrainer(arch, cfg.withSeed(43L), DataType.FLOAT).fit(x).flow().network().params();
        assertTrue(!a.equals(c), "another seed gave the same parameters");
    }

    /** After training, every masked weight is still exactly zero: no update undid a mask. */
    static void assertMasksIntact(MaskedAutoregressiveFlow flow) {
        for (var layer : flow.network().getLayers()) {
            if (layer instanceof MaskedAffineLayerImpl maf) {
                Made made = maf.transform().made();
                for (Map.Entry<String, INDArray> e : maf.paramTable().entrySet()) {
                    INDArray mask = made.mask(e.getKey());
                    if (mask != null) {
                        INDArray leaked = e.getValue().mul(mask.rsub(1.0));
                        assertEquals(0.0, leaked.amaxNumber().doubleValue(), 0.0, "masked entries of " + e.getKey());
                    }
                }
            }
        }
    }

}
