package org.mafspark.flow.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The flow's loss on flow states {@code [u_1..u_D, logDet]}, against its closed form. */
class StandardNormalNllTest {
    private static final double LOG_2PI = Math.log(2 * Math.PI);
    /** Two rows of a 2-D state: u = (1, -2), logDet 0.5; u = (0, 0.5), logDet -1. */
    private static final INDArray STATE = Nd4j.create(new double[][] {{1, -2, 0.5}, {0, 0.5, -1}});

    /** {@code 0.5 |u|^2 + (D/2) log 2 pi - logDet} by hand. */
    private static final double[] NLL = {0.5 * 5 + LOG_2PI - 0.5, 0.5 * 0.25 + LOG_2PI + 1};

    @Test
    void scoresEachRowByTheClosedForm() {
        StandardNormalNll loss = new StandardNormalNll();
        for (DataType t : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            INDArray scores = loss.computeScoreArray(null, STATE.castTo(t), new ActivationIdentity(), null);
            double tol = t == DataType.DOUBLE ? 1e-12 : 1e-6;
            assertEquals(NLL[0], scores.getDouble(0, 0), tol);
            assertEquals(NLL[1], scores.getDouble(1, 0), tol);
            assertEquals((NLL[0] + NLL[1]) / 2,
                    loss.computeScore(null, STATE.castTo(t), new ActivationIdentity(), null, true), tol);
        }
    }

    @Test
    void masksWeighRowsAndTheirGradients() {
        StandardNormalNll loss = new StandardNormalNll();
        INDArray mask = Nd4j.create(new double[][] {{0}, {1}});
        assertEquals(NLL[1], loss.computeScore(null, STATE, new ActivationIdentity(), mask, false), 1e-12);
        INDArray g = loss.computeGradient(null, STATE, new ActivationIdentity(), mask);
        // d NLL / d u = u, d NLL / d logDet = -1; the masked row gets none.
        assertTrue(g.equalsWithEps(Nd4j.create(new double[][] {{0, 0, 0}, {0, 0.5, -1}}), 1e-12), g.toString());
        INDArray unmasked = loss.computeGradient(null, STATE, new ActivationIdentity(), null);
        assertTrue(unmasked.equalsWithEps(Nd4j.create(new double[][] {{1, -2, -1}, {0, 0.5, -1}}), 1e-12));
    }

    @Test
    void refusesAMaskThatIsNotOnePerRow() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StandardNormalNll()
                .computeScoreArray(null, STATE, new ActivationIdentity(), Nd4j.ones(2, 3)));
        assertTrue(e.getMessage().contains("one mask value per example"), e.getMessage());
    }
}
