package org.mafspark.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The hand-written backward passes DL4J's finite-difference gradient check, every parameter. */
class GradientCheckTest {
    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    /**
     * With {@code shares > 1} each step's six rows are split into that many shares of two rows
     * ({@link StepShares}), as a training step of thousands of rows would be.
     */
    @ParameterizedTest(name = "D={0} H={1} blocks={2} layers={3} permutation={4} shares={5}")
    @CsvSource({"1,3,1,2,REVERSE,1", "2,5,0,2,REVERSE,1", "3,6,2,2,RANDOM,1", "4,7,1,3,REVERSE,1",
            "3,6,2,2,RANDOM,2", "4,7,1,3,REVERSE,3"})
    void backwardMatchesFiniteDifferences(int d, int h, int blocks, int layers,
            FlowArchitecture.PermutationKind perm, int shares) {
        FlowArchitecture arch = new FlowArchitecture(d, h, blocks, layers, perm, 7L);
        MultiLayerNetwork net = TestFlows.randomFlow(arch, 11L + d).network();
        var x = Nd4j.hstack(Nd4j.randn(DataType.DOUBLE, 6, d), Nd4j.zeros(DataType.DOUBLE, 6, 1));
        int threads = NativeThreads.blasThreads();
        int minRows = StepShares.minShareRows(2);
        try {
            NativeThreads.setBlasThreads(shares);
            assertEquals(shares, StepShares.threadsFor(6));
            boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig()
                    .net(net).input(x).labels(x)
                    .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                    .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
                    .exitOnFirstError(false));
            assertTrue(ok, "gradient check failed for " + arch + " in " + shares + " shares");
        } finally {
            NativeThreads.setBlasThreads(threads);
            StepShares.minShareRows(minRows);
        }
    }
}
