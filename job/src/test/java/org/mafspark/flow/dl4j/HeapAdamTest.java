package org.mafspark.flow.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mafspark.flow.NativeThreads;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * {@link HeapAdam} makes the updates libnd4j's Adam makes: same steps, same moments, step after step
 * (including the first, where the bias correction is largest), with exact zeros kept zero (masked
 * weights); and it survives the copies and JSON that DL4J and dl4j-spark put configurations through.
 */
class HeapAdamTest {
    /**
     * 1,003 parameters update on one thread; 40,003 (float) in parts on two
     * ({@link HeapAdam.Updater#SPLIT_PARAMETERS}), which must not change a value.
     */
    @ParameterizedTest(name = "{0}, {1} parameters")
    @CsvSource({"FLOAT,1003", "DOUBLE,1003", "FLOAT,40003"})
    void updatesMatchLibnd4jsAdamStepAfterStep(DataType type, int n) {
        int threads = NativeThreads.blasThreads();
        NativeThreads.setBlasThreads(2);
        try {
            stepAfterStep(type, n);
        } finally {
            NativeThreads.setBlasThreads(threads);
        }
    }

    private static void stepAfterStep(DataType type, int n) {
        Adam reference = new Adam(2e-3, 0.9, 0.999, 1e-8);
        HeapAdam heap = new HeapAdam(2e-3, 0.9, 0.999, 1e-8);
        INDArray refState = Nd4j.zeros(type, 1, 2L * n);
        INDArray heapState = Nd4j.zeros(type, 1, 2L * n);
        GradientUpdater<?> ref = reference.instantiate(refState, true);
        GradientUpdater<?> mine = heap.instantiate(heapState, true);
        assertInstanceOf(HeapAdam.Updater.class, mine);
        // Float arithmetic in a different order: agreement to a few float ulps of the values involved.
        double tol = type == DataType.FLOAT ? 2e-6 : 1e-14;
        Nd4j.getRandom().setSeed(5);
        for (int it = 0; it < 6; it++) {
            INDArray g = Nd4j.randn(type, 1, n).muli(it % 2 == 0 ? 1.0 : 1e-3);
            g.putScalar(0, 0, 0.0);
            INDArray gRef = g.dup();
            INDArray gMine = g.dup();
            ref.applyUpdater(gRef, it, 0);
            mine.applyUpdater(gMine, it, 0);
            assertClose(gRef, gMine, tol, "update at iteration " + it);
            assertClose(refState, heapState, tol, "moments after iteration " + it);
            assertEquals(0.0, gMine.getDouble(0, 0), 0.0, "a zero gradient never moves its parameter");
        }
        assertTrue(heapState.getDouble(0, 1) != 0, "the moments moved");
    }

    @ParameterizedTest(name = "schedule={0}")
    @ValueSource(booleans = {false, true})
    void survivesCloneAndJson(boolean schedule) throws Exception {
        HeapAdam a = new HeapAdam(1e-3, 0.85, 0.995, 1e-7);
        if (schedule) {
            a.setLearningRateSchedule(new org.nd4j.linalg.schedule.ExponentialSchedule(
                    org.nd4j.linalg.schedule.ScheduleType.EPOCH, 1e-3, 0.9));
        }
        IUpdater copy = a.clone();
        assertInstanceOf(HeapAdam.class, copy);
        assertEquals(a, copy);
        ObjectMapper json = org.deeplearning4j.nn.conf.NeuralNetConfiguration.mapper();
        IUpdater back = json.readValue(json.writeValueAsString(a), IUpdater.class);
        assertInstanceOf(HeapAdam.class, back);
        assertEquals(a, back);
        assertEquals(a.getLearningRate(3, 2), back.getLearningRate(3, 2), 0.0);
    }

    @Test
    void aStridedGradientTakesLibnd4jsPath() {
        // A gradient that is not one unit-stride run (a row of a column-major matrix) still updates,
        // in place, and nothing beside it.
        HeapAdam heap = new HeapAdam(1e-2, 0.9, 0.999, 1e-8);
        INDArray state = Nd4j.zeros(DataType.DOUBLE, 1, 8);
        GradientUpdater<?> u = heap.instantiate(state, true);
        INDArray holder = Nd4j.ones(DataType.DOUBLE, 3, 4).dup('f');
        INDArray row = holder.getRow(1, true);
        assertTrue(row.elementWiseStride() != 1, "the test needs a strided row");
        u.applyUpdater(row, 0, 0);
        // First step from zero moments with g = 1: m = 0.1, v = 0.001, step = lr sqrt(0.001) / 0.1,
        // update = step m / sqrt(v) = lr (to eps / sqrt(v) = 3e-7 relative).
        for (int i = 0; i < 4; i++) {
            assertEquals(1e-2, holder.getDouble(1, i), 1e-8, "element " + i);
            assertEquals(1.0, holder.getDouble(0, i), 0.0, "row 0, element " + i);
            assertEquals(1.0, holder.getDouble(2, i), 0.0, "row 2, element " + i);
        }
    }

    private static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        double scale = Math.max(1e-12, expected.amaxNumber().doubleValue());
        double err = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(err <= tol * scale, what + ": max abs difference " + err + " (largest value " + scale + ")");
    }
}
