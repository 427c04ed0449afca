package org.mafspark.flow;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.mafspark.flow.dl4j.MaskedAffineLayerImpl;
import org.mafspark.flow.dl4j.PermutationLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A trained (or freshly initialised) masked autoregressive flow over the user's features:
 * standardisation, then {@code layers} masked affine transforms with permutations, onto a standard
 * normal. {@code logProb} is the exact log-density in the ORIGINAL units of the features.
 *
 * <p>Inference runs the transforms directly on the DL4J network's parameter views (no DL4J
 * forward machinery): the same hand-written math the network trains with. Instances are safe for
 * concurrent inference (parameters are only read).
 */
public final class MaskedAutoregressiveFlow {
    private final FlowArchitecture architecture;
    private final Standardization standardization;
    private final MultiLayerNetwork network;
    private final CompositeTransform transform;
    /** The transforms after the standardisation. */
    private final CompositeTransform layers;

    public MaskedAutoregressiveFlow(FlowArchitecture architecture, Standardization standardization,
            MultiLayerNetwork network) {
        if (standardization.features() != architecture.features()) {
            throw new IllegalArgumentException("standardisation has " + standardization.features()
                    + " features, architecture " + architecture.features());
        }
        this.architecture = architecture;
        this.standardization = standardization;
        this.network = network;
        List<Transform> steps = new ArrayList<>();
        for (Layer layer : network.getLayers()) {
            if (layer instanceof MaskedAffineLayerImpl maf) {
                steps.add(maf.transform());
            } else if (layer.conf().getLayer() instanceof PermutationLayer p) {
                steps.add(p.permutation());
            }
        }
        this.layers = new CompositeTransform(steps);
        List<Transform> all = new ArrayList<>();
        all.add(standardization);
        all.addAll(steps);
        this.transform = new CompositeTransform(all);
    }

    public FlowArchitecture architecture() {
        return architecture;
    }

    public Standardization standardization() {
        return standardization;
    }

    /** The DL4J network holding the parameters (the loss layer on top is used for training only). */
    public MultiLayerNetwork network() {
        return network;
    }

    /** The network's floating-point type. */
    public DataType dataType() {
        return network.params().dataType();
    }

    /** The whole bijection data to noise, standardisation included. */
    public CompositeTransform transform() {
        return transform;
    }

    /**
     * Data to noise: {@code u} and {@code log|det du/dx|} per row. The standardisation runs in double
     * precision before the cast to the network's type, as in training: a column such as
     * {@code 1 + 1e-9 z} or {@code 1e12 + z} would lose its variation in float32 before being centred.
     */
    public Transform.Result forward(INDArray x) {
        try (MemoryWorkspace ws = scratch()) {
            Transform.Result s = standardization.forward(x.castTo(DataType.DOUBLE));
            Transform.Result r = layers.forward(s.outputs().castTo(dataType()));
            return new Transform.Result(r.outputs().detach(),
                    r.logAbsDet().addi(s.logAbsDet().castTo(dataType())).detach());
        }
    }

    /** Noise to data (the final de-standardisation in double precision; the result is double). */
    public INDArray inverse(INDArray u) {
        try (MemoryWorkspace ws = scratch()) {
            INDArray z = layers.inverse(u.castTo(dataType()));
            return standardization.inverse(z.castTo(DataType.DOUBLE)).detach();
        }
    }

    /** {@code log p(x)} per row, {@code [N, 1]}, in one pass (standardised in double, see {@link #forward}). */
    public INDArray logProb(INDArray x) {
        try (MemoryWorkspace ws = scratch()) {
            Transform.Result s = standardization.forward(x.castTo(DataType.DOUBLE));
            Transform.Result r = layers.forward(s.outputs().castTo(dataType()));
            return StandardNormal.logProb(r.outputs()).addi(r.logAbsDet()).castTo(DataType.DOUBLE)
                    .addi(s.logAbsDet()).castTo(dataType()).detach();
        }
    }

    /**
     * A per-thread ND4J workspace for the intermediates of one call: without it every ND4J result
     * is a separate off-heap allocation, which costs more than the arithmetic at these sizes.
     */
    private static MemoryWorkspace scratch() {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(SCRATCH, "maf-flow-scratch");
    }

    private static final WorkspaceConfiguration SCRATCH = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.2)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();

    /** {@code log p(x)} per row of a Java matrix. */
    public double[] logProb(double[][] x) {
        return logProb(Nd4j.create(x)).castTo(DataType.DOUBLE).data().asDouble();
    }

    /** Mean negative log-likelihood in nats per row. */
    public double meanNll(double[][] x) {
        double s = 0;
        for (double v : logProb(x)) {
            s -= v;
        }
        return s / x.length;
    }

    /** {@code n} rows drawn from the flow: standard-normal noise through the inverse. */
    public INDArray sample(int n, long seed) {
        Random rng = new Random(seed);
        int d = architecture.features();
        double[] z = new double[n * d];
        for (int i = 0; i < z.length; i++) {
            z[i] = rng.nextGaussian();
        }
        return inverse(Nd4j.create(z, new long[] {n, d}, 'c'));
    }
}
