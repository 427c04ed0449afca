package org.mafspark.flow.dl4j;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Permutes the feature columns of a {@link FlowState}; the log-determinant column passes through. */
public class PermutationLayerImpl extends AbstractLayer<PermutationLayer> {
    private transient int[] forward;
    private transient int[] backward;

    public PermutationLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private void indices() {
        if (forward == null) {
            int[] order = layerConf().getOrder();
            int[] inv = layerConf().permutation().inverseOrder();
            forward = new int[order.length + 1];
            backward = new int[order.length + 1];
            System.arraycopy(order, 0, forward, 0, order.length);
            System.arraycopy(inv, 0, backward, 0, inv.length);
            forward[order.length] = order.length;
            backward[order.length] = order.length;
        }
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        indices();
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, input.getColumns(forward));
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        indices();
        INDArray eps = epsilon.getColumns(backward);
        return new Pair<>(new DefaultGradient(), workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, eps));
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
