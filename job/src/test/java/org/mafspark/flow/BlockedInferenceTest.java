package org.mafspark.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mafspark.flow.dl4j.MaskedAffineLayerImpl;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Inference in blocks through frozen conditioners computes the function training computes: the
 * same conditioner outputs (biases riding in the products, buffers reused), the same results
 * whatever the block boundaries and threads, and never a stale snapshot after the parameters
 * change. All in double precision, where the only differences left are summation order (1e-12).
 */
class BlockedInferenceTest {
    private static final FlowArchitecture ARCH =
            new FlowArchitecture(5, 16, 2, 3, FlowArchitecture.PermutationKind.RANDOM, 7L);

    /** Block sizes: full buffers, a partial block, a single row. */
    @ParameterizedTest(name = "rows={0}")
    @ValueSource(ints = {64, 37, 1})
    void frozenConditionerAndTransformMatchTheTrainingPath(int rows) {
        MaskedAutoregressiveFlow flow = TestFlows.randomFlow(ARCH, 3L);
        INDArray x = Nd4j.randn(DataType.DOUBLE, rows, ARCH.features());
        int checked = 0;
        for (var layer : flow.network().getLayers()) {
            if (!(layer instanceof MaskedAffineLayerImpl maf)) {
                continue;
            }
            MaskedAffineTransform t = maf.transform();
            Made made = t.made();
            INDArray expected = made.forward(maf.paramTable(), x, null);
            MadeInference frozen = new MadeInference(made, maf.paramTable(), 64);
            // Twice: the second call reuses buffers the first one filled.
            for (int call = 0; call < 2; call++) {
                assertClose(expected, frozen.forward(x), "conditioner outputs, call " + call);
            }
            MaskedAffineTransform f = t.forInference(64);
            Transform.Result a = t.forward(x);
            Transform.Result b = f.forward(x);
            assertClose(a.outputs(), b.outputs(), "u");
            assertClose(a.logAbsDet(), b.logAbsDet(), "log-determinant");
            assertClose(t.inverse(a.outputs()), f.inverse(a.outputs()), "inverse");
            checked++;
        }
        assertEquals(ARCH.layers(), checked);
    }

    @Test
    void rowsScoreTheSameWhateverTheBlockAndTheThreads() {
        MaskedAutoregressiveFlow flow = TestFlows.randomFlow(ARCH, 4L);
        // Two full blocks and a partial one.
        int n = 2 * MaskedAutoregressiveFlow.BLOCK_ROWS + 7;
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, ARCH.features()).muli(1.5);
        int before = NativeThreads.blasThreads();
        try {
            NativeThreads.setBlasThreads(2);
            INDArray twoThreads = flow.logProb(x);
            NativeThreads.setBlasThreads(1);
            INDArray oneThread = flow.logProb(x);
            assertClose(twoThreads, oneThread, "2 threads vs 1");
            for (int i : new int[] {0, 1, MaskedAutoregressiveFlow.BLOCK_ROWS - 1, MaskedAutoregressiveFlow.BLOCK_ROWS,
                    n - 1}) {
                INDArray alone = flow.logProb(x.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all()));
                assertEquals(oneThread.getDouble(i, 0), alone.getDouble(0, 0), 1e-12, "row " + i + " alone");
            }
        } finally {
            NativeThreads.setBlasThreads(before);
        }
    }

    @Test
    void aParameterUpdateIsSeenByTheNextCall() {
        MaskedAutoregressiveFlow flow = TestFlows.randomFlow(ARCH, 5L);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 300, ARCH.features());
        INDArray before = flow.logProb(x);
        // Masked weights stay 0 under scaling, so the network stays autoregressive.
        flow.network().params().muli(1.3);
        INDArray after = flow.logProb(x);
        INDArray fresh = new MaskedAutoregressiveFlow(ARCH, flow.standardization(), flow.network()).logProb(x);
        assertClose(fresh, after, "after the update, against a flow built after it");
        double moved = after.sub(before).amaxNumber().doubleValue();
        assertTrue(moved > 1e-3, "the update moved log p by only " + moved);
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertEquals(expected.rows(), actual.rows(), what + ": rows");
        double err = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(err < 1e-12, what + ": max abs difference " + err);
    }
}
