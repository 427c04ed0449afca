package org.mafspark.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mafspark.data.Gaussian;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A diverging one-JVM training run (Adam at an absurd learning rate of 1e3 on a small 2-D Gaussian:
 * steps of ~1e3 per parameter overflow the MADE's log-scales in float32) stops with a message that
 * names the epoch, what went non-finite and what to change, and keeps the best finite epoch.
 */
class TrainingDivergenceTest {
    static final double ABSURD_RATE = 1e3;
    private static final Gaussian G = new Gaussian(new double[] {1, -2}, new double[][] {{2.0, 1.2}, {1.2, 1.5}});
    private static final FlowArchitecture ARCH = FlowArchitecture.defaults(2).withLayers(2).withHidden(16);
    private static final TrainingConfig CONFIG = TrainingConfig.defaults().withEpochs(6).withBatchSize(128)
            .withLearningRate(2e-3).withSeed(3L);

    @Test
    void divergenceBeforeAnyFiniteEpochFailsClearly() {
        double[][] x = G.sample(4_000, 1L);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> new FlowTrainer(ARCH, CONFIG.withLearningRate(ABSURD_RATE), DataType.FLOAT).fit(x));
        String m = e.getMessage();
        assertTrue(m.contains("training diverged at epoch 1"), m);
        assertTrue(m.contains("kept no epoch"), m);
        assertTrue(m.contains("Lower the learning rate (it was 1000.0)") && m.contains("clipNorm"), m);
    }

    @Test
    void divergenceAfterFiniteEpochsKeepsTheBestOne() {
        double[][] x = G.sample(4_000, 1L);
        // Two sane epochs, then the absurd rate from epoch 3 on.
        TrainingResult r = new FlowTrainer(ARCH, CONFIG, DataType.FLOAT)
                .learningRates(epoch -> epoch <= 2 ? CONFIG.learningRateAt(epoch) : ABSURD_RATE).fit(x);
        assertTrue(r.stopReason().contains("training diverged at epoch 3"), r.stopReason());
        assertTrue(r.stopReason().contains("is NaN") || r.stopReason().contains("Infinity"), r.stopReason());
        assertTrue(r.bestEpoch() == 1 || r.bestEpoch() == 2, "best epoch " + r.bestEpoch());
        assertTrue(r.history().size() <= 3, "training went on after the divergence: " + r.history());
        // The kept flow is the best epoch's: finite everywhere, and trained. An untrained flow (the identity
        // on standardised rows) misses the correlation 0.69: its NLL is the entropy + 0.33 nat (the mutual
        // information). The sampling error on 4000 rows is 1/sqrt(4000) = 0.016 nat, so within 0.15 nat of
        // the entropy means the kept flow learnt the correlation (3.08 measured after 2 epochs).
        double[] lp = r.flow().logProb(x);
        for (double v : lp) {
            assertTrue(Double.isFinite(v), "non-finite log p from the kept flow");
        }
        double nll = r.flow().meanNll(x);
        assertEquals(G.entropy(), nll, 0.15, "kept flow's NLL vs the entropy");
        EpochStats best = r.history().get(r.bestEpoch() - 1);
        assertEquals(best.validationNll(), r.flow().meanNll(x), 0.2, "the kept flow is the best epoch's");
    }
}
