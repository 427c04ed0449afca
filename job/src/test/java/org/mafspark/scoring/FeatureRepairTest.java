package org.mafspark.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mafspark.data.Gaussian;

/** The explanation on an exact density, where the right answer is known. */
class FeatureRepairTest {
    private static final double[][] COV = {
            {1.0, 0.6, 0.2, 0.0},
            {0.6, 1.0, 0.4, 0.1},
            {0.2, 0.4, 1.0, 0.5},
            {0.0, 0.1, 0.5, 1.0}};

    private static double[] logDensity(Gaussian g, double[][] rows) {
        double[] lp = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            lp[i] = g.logDensity(rows[i]);
        }
        return lp;
    }

    /**
     * Each planted anomaly has one feature replaced by a value 3.5 to 4 standard deviations from the
     * mean, on a random side: repairing that feature must regain the most density. With the exact
     * density the only failures come from the grid's step (0.25 sd): none expected.
     */
    @Test
    void theCorruptedFeatureRanksFirst() {
        Gaussian g = new Gaussian(new double[4], COV);
        FeatureRepair repair = new FeatureRepair(rows -> logDensity(g, rows), new double[4], new double[] {1, 1, 1, 1});
        Random rng = new Random(5);
        double[][] rows = g.sample(400, 9L);
        int[] corrupted = new int[rows.length];
        double[] lp = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            corrupted[i] = rng.nextInt(4);
            rows[i][corrupted[i]] = (rng.nextBoolean() ? 1 : -1) * (3.5 + 0.5 * rng.nextDouble());
            lp[i] = g.logDensity(rows[i]);
        }
        double[][] c = repair.contributions(rows, lp);
        int first = 0;
        for (int i = 0; i < rows.length; i++) {
            for (double v : c[i]) {
                assertTrue(v >= 0);
            }
            if (FeatureRepair.ranked(c[i])[0].feature() == corrupted[i]) {
                first++;
            }
        }
        assertTrue(first >= 0.99 * rows.length, first + " of " + rows.length + " ranked the corrupted feature first");
    }

    /**
     * For a Gaussian the best single-feature repair is the conditional mean, and the regained density
     * is half the squared standardised conditional residual: (x_j - E[x_j | rest])^2 / (2 Var[x_j | rest]).
     * The grid (step 0.25) gets within (0.125)^2 / (2 Var) of it.
     */
    @Test
    void contributionIsTheConditionalResidualForAGaussian() {
        double[][] cov = {{1.0, 0.8}, {0.8, 1.0}};
        Gaussian g = new Gaussian(new double[2], cov);
        FeatureRepair repair = new FeatureRepair(rows -> logDensity(g, rows), new double[2], new double[] {1, 1});
        double[] x = {2.0, -1.0};
        double[][] c = repair.contributions(new double[][] {x}, new double[] {g.logDensity(x)});
        double condVar = 1 - 0.64;
        double expected0 = Math.pow(x[0] - 0.8 * x[1], 2) / (2 * condVar);
        double expected1 = Math.pow(x[1] - 0.8 * x[0], 2) / (2 * condVar);
        double gridError = 0.125 * 0.125 / (2 * condVar);
        assertEquals(expected0, c[0][0], gridError);
        assertEquals(expected1, c[0][1], gridError);
    }
}
