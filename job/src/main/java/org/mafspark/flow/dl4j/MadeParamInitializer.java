package org.mafspark.flow.dl4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.mafspark.flow.Made;
import org.mafspark.flow.MadeLayout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Parameters of a {@link MaskedAffineLayer}, initialised as PyTorch/nflows do: every linear layer
 * {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))} for weights and bias, except the second linear layer of
 * each residual block, {@code U(-1e-3, 1e-3)}, so that each block starts near the identity.
 * Draws come from ND4J's generator, which DL4J seeds from the network's seed. Masked weights are
 * then zeroed: they stay zero for good (see {@link Made}).
 */
public final class MadeParamInitializer implements ParamInitializer {
    /** Half-width of the near-zero initialisation of each residual block's last layer. */
    public static final double NEAR_ZERO = 1e-3;

    static final MadeParamInitializer INSTANCE = new MadeParamInitializer();

    private MadeParamInitializer() {}

    private static MadeLayout layout(Layer layer) {
        return ((MaskedAffineLayer) layer).layout();
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return layout(layer).numParams();
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return layout(layer).keys();
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        List<String> out = new ArrayList<>();
        for (String k : paramKeys(layer)) {
            if (!MadeLayout.isBias(k)) {
                out.add(k);
            }
        }
        return out;
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        List<String> out = new ArrayList<>();
        for (String k : paramKeys(layer)) {
            if (MadeLayout.isBias(k)) {
                out.add(k);
            }
        }
        return out;
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return !MadeLayout.isBias(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return MadeLayout.isBias(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initialize) {
        MadeLayout layout = layout(conf.getLayer());
        Map<String, INDArray> views = layout.views(paramsView);
        if (initialize) {
            for (Map.Entry<String, INDArray> e : views.entrySet()) {
                String key = e.getKey();
                double bound = key.matches("r\\d+[Wb]2") ? NEAR_ZERO : 1.0 / Math.sqrt(fanIn(layout, key));
                INDArray v = e.getValue();
                v.assign(Nd4j.rand(v.dataType(), v.shape()).muli(2 * bound).subi(bound));
            }
            new Made(layout, paramsView.dataType()).applyMasks(views);
        }
        return views;
    }

    private static int fanIn(MadeLayout layout, String key) {
        return key.equals(MadeLayout.W_IN) || key.equals(MadeLayout.B_IN) ? layout.features() : layout.hidden();
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return layout(conf.getLayer()).views(gradientView);
    }
}
