package org.mafspark.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A training step split into shares of rows ({@link StepShares}) computes the minibatch's gradient:
 * the loss is a mean whose {@code 1/N} is in the incoming gradient, so the shares' gradients sum to
 * the whole minibatch's, up to the order of float additions (1e-12 relative in double).
 */
class StepSharesTest {
    private int blasThreads;
    private int minShareRows;

    @BeforeEach
    void remember() {
        blasThreads = NativeThreads.blasThreads();
        minShareRows = StepShares.minShareRows(StepShares.MIN_SHARE_ROWS);
    }

    @AfterEach
    void restore() {
        NativeThreads.setBlasThreads(blasThreads);
        StepShares.minShareRows(minShareRows);
    }

    @Test
    void sharesSplitSmallMinibatchesNotAtAllAndLargeOnesOverTheThreads() {
        NativeThreads.setBlasThreads(2);
        assertEquals(1, StepShares.threadsFor(2L * StepShares.MIN_SHARE_ROWS - 1));
        assertEquals(2, StepShares.threadsFor(2L * StepShares.MIN_SHARE_ROWS));
        assertEquals(2, StepShares.threadsFor(65_536));
        NativeThreads.setBlasThreads(1);
        assertEquals(1, StepShares.threadsFor(65_536));
    }

    /**
     * Minibatches of 101 rows (three shares of 34, 34 and 33), 20 (two of 10) and 90 rows, each
     * split and whole on the same network, so a layer's shares also go from one row count to
     * another and back to running whole. Three shares on this 2-core machine: one runs on the
     * worker, one after share 0 on the caller.
     */
    @Test
    void splitGradientEqualsTheWholeMinibatchGradient() {
        FlowArchitecture arch = new FlowArchitecture(4, 16, 2, 3, FlowArchitecture.PermutationKind.REVERSE, 3L);
        MultiLayerNetwork net = TestFlows.randomFlow(arch, 5L).network();
        StepShares.minShareRows(8);
        int[] rows = {101, 20, 90};
        int[] expectedShares = {3, 2, 3};
        for (int i = 0; i < rows.length; i++) {
            INDArray x = Nd4j.hstack(Nd4j.randn(DataType.DOUBLE, rows[i], 4), Nd4j.zeros(DataType.DOUBLE, rows[i], 1));
            NativeThreads.setBlasThreads(1);
            double[] whole = gradient(net, x);
            double wholeScore = net.score();
            NativeThreads.setBlasThreads(3);
            assertEquals(expectedShares[i], StepShares.threadsFor(rows[i]));
            double[] split = gradient(net, x);
            assertEquals(wholeScore, net.score(), 1e-12 * Math.abs(wholeScore));
            double scale = 0;
            double diff = 0;
            for (int k = 0; k < whole.length; k++) {
                scale = Math.max(scale, Math.abs(whole[k]));
                diff = Math.max(diff, Math.abs(split[k] - whole[k]));
            }
            assertTrue(scale > 1e-3, "a gradient to compare");
            assertTrue(diff <= 1e-12 * scale, rows[i] + " rows: split and whole gradients differ by " + diff
                    + " (largest entry " + scale + ")");
        }
    }

    /**
     * Releasing a trained network's training buffers frees the shares' arrays (what a 3-share step of
     * 101 rows keeps is at least its activations: 3 layers x 101 rows x 16 hidden x 8 bytes), and
     * the next split step allocates them again and still gives the whole minibatch's gradient.
     */
    @Test
    void releasedBuffersAreFreedAndTheNextSplitStepStillRight() {
        FlowArchitecture arch = new FlowArchitecture(4, 16, 2, 3, FlowArchitecture.PermutationKind.REVERSE, 3L);
        MultiLayerNetwork net = TestFlows.randomFlow(arch, 7L).network();
        StepShares.minShareRows(8);
        INDArray x = Nd4j.hstack(Nd4j.randn(DataType.DOUBLE, 101, 4), Nd4j.zeros(DataType.DOUBLE, 101, 1));
        NativeThreads.setBlasThreads(1);
        double[] whole = gradient(net, x);
        assertEquals(0, FlowNetworks.releaseTrainingBuffers(net), "nothing kept by whole steps");
        NativeThreads.setBlasThreads(3);
        gradient(net, x);
        long freed = FlowNetworks.releaseTrainingBuffers(net);
        assertTrue(freed >= 3L * 101 * 16 * 8, "freed " + freed + " bytes");
        assertEquals(0, FlowNetworks.releaseTrainingBuffers(net), "released once");
        double[] again = gradient(net, x);
        for (int k = 0; k < whole.length; k++) {
            assertEquals(whole[k], again[k], 1e-12 * Math.max(1, Math.abs(whole[k])), "gradient entry " + k);
        }
    }

    private static double[] gradient(MultiLayerNetwork net, INDArray x) {
        net.setInput(x);
        net.setLabels(x);
        net.computeGradientAndScore();
        return net.getFlattenedGradients().toDoubleVector();
    }

    @Test
    void scratchArraysComeBackPassAfterPassWhileTheShapesMatch() {
        ScratchArrays s = new ScratchArrays();
        INDArray a = s.create(DataType.FLOAT, 5, 3, 'f');
        INDArray b = s.create(DataType.FLOAT, 5, 2, 'c');
        assertTrue(!a.isAttached() && !b.isAttached(), "outside every workspace");
        s.reset();
        assertSame(a, s.create(DataType.FLOAT, 5, 3, 'f'));
        assertSame(b, s.create(DataType.FLOAT, 5, 2, 'c'));
        s.reset();
        assertNotSame(a, s.create(DataType.FLOAT, 4, 3, 'f'));
        assertNotSame(b, s.create(DataType.DOUBLE, 5, 2, 'c'));
        INDArray c = s.create(DataType.FLOAT, 1, 1, 'c');
        s.reset();
        s.create(DataType.FLOAT, 4, 3, 'f');
        s.create(DataType.DOUBLE, 5, 2, 'c');
        assertSame(c, s.create(DataType.FLOAT, 1, 1, 'c'));
    }
}
