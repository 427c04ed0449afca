package org.mafspark.flow;

import java.util.ArrayList;
import java.util.Arrays;
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
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A trained (or freshly initialised) masked autoregressive flow over the user's features:
 * standardisation, then {@code layers} masked affine transforms with permutations, onto a standard
 * normal. {@code logProb} is the exact log-density in the ORIGINAL units of the features.
 *
 * <p>Inference runs the transforms on snapshots of the DL4J network's parameters (no DL4J forward
 * machinery), in blocks of rows through frozen conditioners ({@link MadeInference}): the same
 * hand-written math the network trains with. Instances are safe for concurrent inference (each
 * thread freezes its own snapshot, refreshed when the parameters change).
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
        int d = architecture.features();
        INDArray u = output(dataType(), x.rows(), d);
        INDArray logDet = output(dataType(), x.rows(), 1);
        inBlocks(x.rows(), (layers, from, to) -> {
            Transform.Result s = standardization.forward(rows(x, from, to).castTo(DataType.DOUBLE));
            Transform.Result r = layers.forward(s.outputs().castTo(dataType()));
            HostArrays.write(HostArrays.read(r.outputs()), u, from, to);
            HostArrays.write(HostArrays.read(r.logAbsDet().castTo(DataType.DOUBLE).addi(s.logAbsDet())), logDet,
                    from, to);
        });
        return new Transform.Result(u, logDet);
    }

    /** Noise to data (the final de-standardisation in double precision; the result is double). */
    public INDArray inverse(INDArray u) {
        INDArray x = output(DataType.DOUBLE, u.rows(), u.columns());
        inBlocks(u.rows(), (layers, from, to) -> {
            INDArray z = layers.inverse(rows(u, from, to).castTo(dataType()));
            HostArrays.write(HostArrays.read(standardization.inverse(z.castTo(DataType.DOUBLE))), x, from, to);
        });
        return x;
    }

    /** {@code log p(x)} per row, {@code [N, 1]}, in one pass (standardised in double, see {@link #forward}). */
    public INDArray logProb(INDArray x) {
        INDArray out = output(dataType(), x.rows(), 1);
        inBlocks(x.rows(), (layers, from, to) -> {
            Transform.Result s = standardization.forward(rows(x, from, to).castTo(DataType.DOUBLE));
            Transform.Result r = layers.forward(s.outputs().castTo(dataType()));
            INDArray lp = StandardNormal.logProb(r.outputs()).addi(r.logAbsDet()).castTo(DataType.DOUBLE)
                    .addi(s.logAbsDet());
            HostArrays.write(HostArrays.read(lp), out, from, to);
        });
        return out;
    }

    /** Work on rows {@code from..to-1} of a batch with the flow's layers frozen for one thread. */
    private interface BlockPass {
        void run(CompositeTransform layers, int from, int to);
    }

    /**
     * Runs {@code pass} over the rows in blocks of {@link #BLOCK_ROWS}, each block through the whole
     * flow in a scratch workspace, the blocks spread over the threads row work may use, each block's
     * products on one BLAS thread, each thread with its own frozen copy of the layers
     * ({@link MaskedAffineTransform#forInference}).
     *
     * <p>Why: a layer's intermediates on a 64k-row batch are 16 MB arrays, so whole-batch passes
     * streamed every ReLU and product through main memory; a block's stay in the core's cache.
     * Blocks are independent rows, so they split across threads with no coordination but the join.
     */
    private void inBlocks(long n, BlockPass pass) {
        int rows = Math.toIntExact(n);
        // Read once per call: every thread compares its frozen layers against the same values.
        double[] params = HostArrays.read(network.params());
        NativeThreads.withOneBlasThread(() -> {
            RowBlocks.run(rows, BLOCK_ROWS, () -> {
                CompositeTransform mine = frozenLayers(params);
                return (from, to) -> {
                    try (MemoryWorkspace ws = scratch()) {
                        pass.run(mine, from, to);
                    }
                };
            });
            return null;
        });
    }

    /** Rows per block of inference: a layer's buffers take ~1.7 MB at hidden 64 (see {@link MadeInference}). */
    public static final int BLOCK_ROWS = 2048;

    /**
     * The layers frozen for inference by the calling thread ({@link MaskedAffineTransform#forInference}),
     * kept while the network's parameters stay {@code params}. Freezing allocates ~60 native arrays: done
     * on every call it made a 4,096-row {@code logProb} (the Spark scorer's batch) take 30-42 ms, kept
     * it takes 20-27 (one BLAS thread, measured), the bulk read and compare of the parameters included.
     * Training between calls changes them, and the next call refreezes.
     */
    private CompositeTransform frozenLayers(double[] params) {
        Frozen f = frozen.get();
        if (f == null || !Arrays.equals(f.params(), params)) {
            List<Transform> steps = new ArrayList<>();
            for (Transform t : layers.steps()) {
                steps.add(t instanceof MaskedAffineTransform m ? m.forInference(BLOCK_ROWS) : t);
            }
            f = new Frozen(params, new CompositeTransform(steps));
            frozen.set(f);
        }
        return f.layers();
    }

    /** Layers frozen by one thread and the parameters they were frozen from. */
    private record Frozen(double[] params, CompositeTransform layers) {}

    private final ThreadLocal<Frozen> frozen = new ThreadLocal<>();

    /** Rows {@code from..to-1} of {@code a} (a view). */
    private static INDArray rows(INDArray a, int from, int to) {
        return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
    }

    /** A new row-major {@code [rows, cols]} array that outlives every workspace. */
    private static INDArray output(DataType type, long rows, long cols) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4j.createUninitialized(type, new long[] {rows, cols}, 'c');
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
