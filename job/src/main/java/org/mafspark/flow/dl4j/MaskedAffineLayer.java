package org.mafspark.flow.dl4j;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.mafspark.flow.MadeLayout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J configuration of one masked affine autoregressive transform (MADE conditioner included).
 * Input and output are {@link FlowState} arrays of width {@code features + 1}.
 *
 * <p>A bean (no-arg constructor, getters and setters) because DL4J and dl4j-spark ship network
 * configurations as JSON that records this class name: renaming it breaks stored DL4J configs
 * (maf-spark's own model files store only parameters and rebuild the network).
 */
public class MaskedAffineLayer extends FeedForwardLayer {
    private int features;
    private int hidden;
    private int blocks;

    public MaskedAffineLayer() {}

    public MaskedAffineLayer(int features, int hidden, int blocks) {
        this.features = features;
        this.hidden = hidden;
        this.blocks = blocks;
        this.nIn = features + 1;
        this.nOut = features + 1;
    }

    public int getFeatures() {
        return features;
    }

    public void setFeatures(int features) {
        this.features = features;
    }

    public int getHidden() {
        return hidden;
    }

    public void setHidden(int hidden) {
        this.hidden = hidden;
    }

    public int getBlocks() {
        return blocks;
    }

    public void setBlocks(int blocks) {
        this.blocks = blocks;
    }

    /** The parameter layout of this layer's conditioner. */
    public MadeLayout layout() {
        return new MadeLayout(features, hidden, blocks);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> listeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        MaskedAffineLayerImpl layer = new MaskedAffineLayerImpl(conf, networkDataType);
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> table = initializer().init(conf, layerParamsView, initializeParams);
        layer.setParamTable(table);
        layer.setConf(conf);
        return layer;
    }

    @Override
    public ParamInitializer initializer() {
        return MadeParamInitializer.INSTANCE;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long numParams = layout().numParams();
        long perExample = (long) hidden * (2L + 4L * blocks) + 6L * features;
        return new LayerMemoryReport.Builder(layerName, MaskedAffineLayer.class, inputType, inputType)
                .standardMemory(numParams, getIUpdater() == null ? 0 : getIUpdater().stateSize(numParams))
                .workingMemory(0, perExample, 0, perExample)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }
}
