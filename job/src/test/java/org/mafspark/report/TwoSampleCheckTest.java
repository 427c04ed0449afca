package org.mafspark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mafspark.data.Gaussian;

class TwoSampleCheckTest {
    private static final Gaussian G = new Gaussian(new double[] {1, -1}, new double[][] {{1.0, 0.5}, {0.5, 2.0}});

    /**
     * Same law: the permutation p-value is uniform, so p > 0.01 fails one seed in a hundred (seeds
     * fixed). A shift of 0.5 standard deviations along x1 with 600 rows per side: the energy test's
     * power is essentially 1 (its statistic sits many permutation standard deviations out), so the
     * p-value is the smallest possible, 1/(P+1).
     */
    @Test
    void sameLawPassesAndAShiftIsCaught() {
        TwoSampleCheck same = TwoSampleCheck.of(G.sample(600, 1L), G.sample(600, 2L), 199, 3L);
        assertTrue(same.passes(), "same law, p = " + same.pValue());
        double[][] shifted = G.sample(600, 4L);
        for (double[] r : shifted) {
            r[0] += 0.5;
        }
        TwoSampleCheck moved = TwoSampleCheck.of(G.sample(600, 5L), shifted, 199, 6L);
        assertEquals(1.0 / 200, moved.pValue(), 1e-12, "shifted, energy " + moved.energyDistance());
        assertTrue(moved.featureKsPValues()[0] < 0.01 && moved.featureKsPValues()[1] > 0.001);
        assertTrue(moved.energyDistance() > same.energyDistance());
    }
}
