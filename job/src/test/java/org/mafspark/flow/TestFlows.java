package org.mafspark.flow;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;

/** Random, untrained flows in double precision for the math tests. */
final class TestFlows {
    private TestFlows() {}

    static MultiLayerNetwork network(FlowArchitecture arch, long seed) {
        return FlowNetworks.create(FlowNetworks.configuration(arch, new NoOp(), 0.0, seed, DataType.DOUBLE));
    }

    /**
     * A random flow whose residual blocks are NOT near the identity (the default near-zero
     * initialisation would let a test pass with the blocks' math never exercised): every parameter
     * U(-0.25, 0.25). Wider ranges make the flow ill-conditioned (scales of ~50 per layer), so that
     * round-off, not the math, would dominate the exactness tests.
     */
    static MaskedAutoregressiveFlow randomFlow(FlowArchitecture arch, long seed) {
        MultiLayerNetwork net = network(arch, seed);
        org.nd4j.linalg.api.rng.Random rng = org.nd4j.linalg.factory.Nd4j.getRandomFactory().getNewRandomInstance(seed);
        net.params().assign(org.nd4j.linalg.factory.Nd4j.rand(rng, net.params().shape()).castTo(DataType.DOUBLE)
                .muli(0.5).subi(0.25));
        return new MaskedAutoregressiveFlow(arch, Standardization.identity(arch.features()), net);
    }
}
