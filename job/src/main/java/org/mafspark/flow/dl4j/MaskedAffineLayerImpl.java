package org.mafspark.flow.dl4j;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.mafspark.flow.Made;
import org.mafspark.flow.MaskedAffineTransform;
import org.mafspark.flow.StepShares;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J layer running {@link MaskedAffineTransform} on a {@link FlowState}: features go through the
 * transform, the log-determinant column accumulates its log-determinant. Backward is the
 * hand-written gradient of the transform (proved by DL4J's gradient check in the tests).
 *
 * <p>A training forward pass keeps its intermediate values for the backward pass in DL4J's
 * activations workspace, which stays open until the iteration's backprop is done; a minibatch large
 * enough to split over the cores ({@link StepShares}) keeps them in its shares' own arrays.
 */
public class MaskedAffineLayerImpl extends BaseLayer<MaskedAffineLayer> {
    private transient MaskedAffineTransform transform;
    private transient MaskedAffineTransform.Cache cache;
    private transient INDArray cachedInput;
    /** Splits training passes into shares of rows, kept from step to step (null until needed). */
    private transient StepShares shares;
    /** Whether the last training forward pass ran in {@link #shares}. */
    private transient boolean shared;

    public MaskedAffineLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** The transform bound to this layer's parameters. */
    public MaskedAffineTransform transform() {
        if (transform == null) {
            MaskedAffineLayer c = layerConf();
            transform = new MaskedAffineTransform(new Made(c.layout(), dataType), params);
        }
        return transform;
    }

    @Override
    public void setParamTable(java.util.Map<String, INDArray> paramTable) {
        super.setParamTable(paramTable);
        transform = null;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (!training) {
            cache = null;
            shared = false;
            cachedInput = null;
            return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, forward(null));
        }
        // The intermediates must live until backprop: allocate them where DL4J keeps layer inputs
        // (the activations workspace, open for the whole iteration), as its BatchNormalization does.
        try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.INPUT)) {
            cachedInput = input;
            int threads = StepShares.threadsFor(input.rows());
            shared = threads > 1;
            if (shared) {
                cache = null;
                if (shares == null || shares.threads() != threads) {
                    shares = new StepShares(threads, layerConf().layout(), dataType);
                }
                return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, shares.forward(transform(), input));
            }
            cache = new MaskedAffineTransform.Cache();
            return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, forward(cache));
        }
    }

    /**
     * Frees the arrays kept for split training steps and returns their bytes (see
     * {@link org.mafspark.flow.FlowNetworks#releaseTrainingBuffers}); the next training step
     * allocates them again.
     */
    public long releaseTrainingBuffers() {
        long bytes = shares == null ? 0 : shares.release();
        shares = null;
        shared = false;
        cache = null;
        cachedInput = null;
        return bytes;
    }

    private INDArray forward(MaskedAffineTransform.Cache c) {
        return transform().forwardState(input, c);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (shared && cachedInput == input) {
            INDArray epsOut = shares.backward(transform(), epsilon, gradientViews, gradientsFlattened);
            return gradients(workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, epsOut), false);
        }
        if (cache == null || cachedInput != input) {
            // The last forward pass was not a training pass on this input: redo it.
            cache = new MaskedAffineTransform.Cache();
            cachedInput = input;
            forward(cache);
        }
        INDArray epsOut = transform().backwardState(cache, epsilon, gradientViews);
        return gradients(workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, epsOut), true);
    }

    /** The layer's gradient (masked entries zeroed, by this call if {@code mask}) paired with {@code epsOut}. */
    private Pair<Gradient, INDArray> gradients(INDArray epsOut, boolean mask) {
        if (mask) {
            transform().made().maskGradients(gradientsFlattened);
        }
        Gradient g = new DefaultGradient(gradientsFlattened);
        for (String key : layerConf().layout().keys()) {
            g.gradientForVariable().put(key, gradientViews.get(key));
        }
        return new Pair<>(g, epsOut);
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public boolean hasBias() {
        return true;
    }

    @Override
    public void clearNoiseWeightParams() {
        // no weight noise
    }
}
