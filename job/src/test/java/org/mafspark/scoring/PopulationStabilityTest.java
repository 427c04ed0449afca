package org.mafspark.scoring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PopulationStabilityTest {

    private static long[] counts(PopulationStability s, double[] x) {
        long[] c = new long[s.bins()];
        for (double v : x) {
            c[s.bin(v)]++;
        }
        return c;
    }

    private static double[] gaussian(int n, double shift, long seed) {
        Random rng = new Random(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = rng.nextGaussian() + shift;
        }
        return x;
    }

    @Test
    void decileBinsOfTheReferenceHoldATenthEach() {
        PopulationStability s = PopulationStability.fromReference(gaussian(10_000, 0, 1), 10);
        assertEquals(10, s.bins());
        for (double f : s.referenceFractions()) {
            assertEquals(0.1, f, 1e-3);
        }
        assertEquals(0.0, s.index(counts(s, gaussian(10_000, 0, 1))), 1e-6);
    }

    @Test
    void discreteReferenceMergesEdges() {
        double[] ref = new double[1000];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = i % 3; // three values
        }
        PopulationStability s = PopulationStability.fromReference(ref, 10);
        assertArrayEquals(new double[] {0, 1}, s.edges(), 0);
        assertArrayEquals(new double[] {334 / 1000.0, 333 / 1000.0, 333 / 1000.0}, s.referenceFractions(), 1e-12);
    }

    /**
     * Without drift the index is about (B-1)(1/n + 1/m) = 9 (1/5000 + 1/10000) = 0.0027 (its standard
     * deviation is of the same order), two orders below the warning level; a one-standard-deviation
     * mean shift of a Gaussian gives about 1 (the symmetrised KL of N(0,1) and N(1,1) is 1, binning
     * lowers it a little).
     */
    @Test
    void shiftIsDetectedAndNoShiftIsNot() {
        PopulationStability s = PopulationStability.fromReference(gaussian(10_000, 0, 1), 10);
        double same = s.index(counts(s, gaussian(5000, 0, 2)));
        double shifted = s.index(counts(s, gaussian(5000, 1, 3)));
        assertTrue(same < 0.02, "unshifted PSI " + same);
        assertTrue(shifted > 0.7 && shifted < 1.1, "shifted PSI " + shifted);
        assertTrue(shifted > PopulationStability.WARNING_LEVEL && same < PopulationStability.WARNING_LEVEL);
    }
}
