package org.mafspark.flow.dl4j;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.mafspark.flow.Permutation;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Permutes the feature columns of a {@link FlowState}; the log-determinant column passes through. */
public class PermutationLayerImpl extends AbstractLayer<PermutationLayer> {
    private transient Permutation withLogDet;

    public PermutationLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** The permutation extended to the log-determinant column, which stays in place. */
    private Permutation permutation() {
        if (withLogDet == null) {
            int[] order = layerConf().getOrder();
            int[] extended = java.util.Arrays.copyOf(order, order.length + 1);
            extended[order.length] = order.length;
            withLogDet = new Permutation(extended);
        }
        return withLogDet;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        // Straight into the workspace DL4J keeps activations in: no copy there afterwards.
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), input.shape(), 'c');
        permutation().apply(input, out);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        INDArray eps = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), epsilon.shape(),
                'c');
        permutation().applyInverse(epsilon, eps);
        return new Pair<>(new DefaultGradient(), eps);
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
        // no parameters
    }
}
