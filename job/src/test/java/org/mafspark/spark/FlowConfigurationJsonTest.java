package org.mafspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.mafspark.flow.FlowArchitecture;
import org.mafspark.flow.FlowNetworks;
import org.mafspark.flow.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * dl4j-spark ships network configurations as JSON ({@code toJson}/{@code fromJson}): our custom
 * layers and loss must survive the round trip, or workers would train a different network.
 */
class FlowConfigurationJsonTest {

    @Test
    void customLayersAndLossRoundTripThroughJson() {
        FlowArchitecture arch = FlowArchitecture.defaults(3).withRandomPermutations(11L);
        MultiLayerConfiguration conf = FlowNetworks.configuration(arch, TrainingConfig.defaults(), DataType.DOUBLE);
        String json = conf.toJson();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        assertEquals(conf, back, "configuration changed through JSON");
        assertEquals(json, back.toJson());

        MultiLayerNetwork a = FlowNetworks.create(conf);
        MultiLayerNetwork b = FlowNetworks.create(back);
        assertEquals(a.numParams(), b.numParams());
        b.setParams(a.params());
        INDArray x = Nd4j.rand(DataType.DOUBLE, 16, 4);
        x.getColumn(3).assign(0.0);
        // Same parameters, same input: the networks compute the same function bit for bit.
        assertArrayEquals(a.output(x).data().asDouble(), b.output(x).data().asDouble());
        a.setInput(x);
        a.setLabels(x);
        a.computeGradientAndScore();
        b.setInput(x);
        b.setLabels(x);
        b.computeGradientAndScore();
        assertEquals(a.score(), b.score());
        assertArrayEquals(a.gradient().gradient().data().asDouble(), b.gradient().gradient().data().asDouble());
    }
}
