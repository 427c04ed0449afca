package org.mafspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.mafspark.data.Gaussian;
import org.mafspark.flow.EpochStats;
import org.mafspark.flow.FlowArchitecture;
import org.mafspark.flow.Standardization;
import org.mafspark.flow.TrainingCheckpoint;
import org.mafspark.flow.TrainingConfig;
import org.mafspark.flow.TrainingDivergedException;
import org.mafspark.flow.TrainingResult;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Checkpoints and divergence of the distributed trainer on local[2]: a run whose driver "dies" after
 * epoch 2 (a listener throws once the epoch's checkpoint is written) and is resumed by a new fit
 * with the same directory ends exactly where an uninterrupted run ends; a checkpoint of another
 * configuration is refused; a diverging run keeps its best finite epoch.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainingCheckpointTest {
    private static final Gaussian G = new Gaussian(new double[] {1, -2}, new double[][] {{2.0, 1.2}, {1.2, 1.5}});
    private static final FlowArchitecture ARCH = FlowArchitecture.defaults(2).withLayers(2).withHidden(16);
    private static final TrainingConfig CONFIG = TrainingConfig.defaults().withEpochs(5).withBatchSize(128)
            .withLearningRate(2e-3).withPatience(0).withSeed(11L);
    private static final int WORKERS = 2;

    private SparkSession spark;
    private JavaSparkContext jsc;
    private double[][] trainRows;
    private JavaRDD<double[]> train;
    private JavaRDD<double[]> validation;
    private Standardization std;

    @BeforeAll
    void start() {
        spark = SparkTestData.session();
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        trainRows = G.sample(6_000, 1L);
        // One partition per worker, as the detector hands them over: each worker's minibatches, and so
        // every averaging round, are then a function of the seed and the epoch only.
        train = jsc.parallelize(Arrays.asList(trainRows), WORKERS).cache();
        validation = jsc.parallelize(Arrays.asList(G.sample(1_000, 2L)), WORKERS).cache();
        std = Standardization.fit(trainRows);
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    private DistributedFlowTrainer trainer(FlowArchitecture arch, Path checkpoints) {
        return new DistributedFlowTrainer(jsc, arch, CONFIG, 5, WORKERS, DataType.FLOAT).checkpointDir(checkpoints);
    }

    private TrainingResult fit(DistributedFlowTrainer t) {
        return t.fit(train, trainRows.length, validation, 1_000, std);
    }

    /** Thrown by a listener to stand for the driver dying right after an epoch's checkpoint. */
    private static final class DriverDied extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void resumedRunEndsWhereAnUninterruptedRunEnds(@TempDir Path tmp) throws Exception {
        Path whole = tmp.resolve("uninterrupted");
        TrainingResult uninterrupted = fit(trainer(ARCH, whole));
        assertEquals(CONFIG.epochs(), uninterrupted.history().size());

        Path interrupted = tmp.resolve("interrupted");
        assertThrows(DriverDied.class, () -> fit(trainer(ARCH, interrupted).listener((stats, max) -> {
            if (stats.epoch() == 2) {
                throw new DriverDied();
            }
        })));
        TrainingCheckpoint atKill = TrainingCheckpoint.read(interrupted).orElseThrow();
        assertEquals(2, atKill.epoch());
        assertNull(atKill.stopReason(), "the killed run had not finished");
        try (var files = Files.list(interrupted)) {
            assertEquals(List.of(TrainingCheckpoint.FILE), files.map(p -> p.getFileName().toString()).toList(),
                    "one complete checkpoint, no temp file");
        }

        List<Integer> resumedEpochs = new java.util.ArrayList<>();
        TrainingResult resumed = fit(trainer(ARCH, interrupted).listener((s, m) -> resumedEpochs.add(s.epoch())));
        assertEquals(List.of(3, 4, 5), resumedEpochs, "the resumed run trains the remaining epochs only");
        assertEquals(CONFIG.epochs(), resumed.history().size());
        System.out.printf("CHECKPOINT: uninterrupted validation NLLs %s%nCHECKPOINT: resumed       validation NLLs %s%n",
                validationNlls(uninterrupted), validationNlls(resumed));
        // Each epoch is a deterministic function of the parameters, Adam's state and the counters before it
        // (per-partition shuffles and the averaging split are seeded by the epoch, 2 partitions average
        // commutatively), and the checkpoint restores those bit for bit: same parameters, same history.
        for (int e = 0; e < CONFIG.epochs(); e++) {
            assertEquals(uninterrupted.history().get(e).trainNll(), resumed.history().get(e).trainNll(), 1e-12,
                    "train NLL of epoch " + (e + 1));
            assertEquals(uninterrupted.history().get(e).validationNll(), resumed.history().get(e).validationNll(),
                    1e-12, "validation NLL of epoch " + (e + 1));
        }
        assertEquals(uninterrupted.bestEpoch(), resumed.bestEpoch());
        assertArrayEquals(uninterrupted.flow().network().params().toDoubleVector(),
                resumed.flow().network().params().toDoubleVector(), "best parameters");

        // The uninterrupted run's checkpoint is finished: a rerun returns its result without training.
        List<Integer> rerunEpochs = new java.util.ArrayList<>();
        TrainingResult rerun = fit(trainer(ARCH, whole).listener((s, m) -> rerunEpochs.add(s.epoch())));
        assertTrue(rerunEpochs.isEmpty(), "a finished checkpoint trained again: " + rerunEpochs);
        assertArrayEquals(uninterrupted.flow().network().params().toDoubleVector(),
                rerun.flow().network().params().toDoubleVector());
    }

    /**
     * With more training rows than the cap, an epoch's training NLL is the NLL of the seeded sample
     * (the same Bernoulli sample Spark draws from the same partitions and seed), not of every row.
     */
    @Test
    void trainingNllIsThatOfAFixedSampleOfTheTrainingRows() {
        int cap = 1_500;
        TrainingResult r = new DistributedFlowTrainer(jsc, ARCH, CONFIG.withEpochs(1), 5, WORKERS, DataType.FLOAT)
                .trainNllRows(cap).fit(train, trainRows.length, validation, 1_000, std);
        double reported = r.history().get(0).trainNll();
        double[][] sample = train.sample(false, (double) cap / trainRows.length, CONFIG.seed()).collect()
                .toArray(new double[0][]);
        // Binomial(6000, 0.25): mean 1500, sd 34; four sd either side.
        assertTrue(sample.length > 1_364 && sample.length < 1_636, "sample of " + sample.length + " rows");
        double onSample = r.flow().meanNll(sample);
        double onAll = r.flow().meanNll(trainRows);
        // float32 scores summed in double: agreement to float rounding, far below the gap to all rows.
        assertEquals(onSample, reported, 1e-5, "training NLL against the sample's");
        assertTrue(Math.abs(onAll - onSample) > 1e-3, "sample NLL " + onSample + " vs all rows " + onAll
                + ": the test cannot tell them apart");
    }

    private static List<String> validationNlls(TrainingResult r) {
        return r.history().stream().map(s -> String.format("%.6f", s.validationNll())).toList();
    }

    @Test
    void checkpointOfAnotherConfigurationIsRefused(@TempDir Path tmp) {
        assertThrows(DriverDied.class, () -> fit(trainer(ARCH, tmp).listener((s, m) -> {
            throw new DriverDied();
        })));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fit(trainer(ARCH.withHidden(8), tmp)));
        assertTrue(e.getMessage().contains("another configuration"), e.getMessage());
        assertTrue(e.getMessage().contains("hidden=16") && e.getMessage().contains("hidden=8"), e.getMessage());
        assertTrue(e.getMessage().contains(tmp.resolve(TrainingCheckpoint.FILE).toString()), e.getMessage());
    }

    @Test
    void divergingRunKeepsItsBestFiniteEpoch(@TempDir Path tmp) throws Exception {
        TrainingResult r = fit(trainer(ARCH, tmp).learningRates(e -> e <= 2 ? CONFIG.learningRateAt(e) : 1e3));
        assertTrue(r.stopReason().contains("training diverged at epoch 3"), r.stopReason());
        assertTrue(r.stopReason().contains("Lower the learning rate"), r.stopReason());
        assertTrue(r.bestEpoch() == 1 || r.bestEpoch() == 2, "best epoch " + r.bestEpoch());
        double[] lp = r.flow().logProb(trainRows);
        assertTrue(Arrays.stream(lp).allMatch(Double::isFinite), "non-finite log p from the kept flow");
        EpochStats best = r.history().get(r.bestEpoch() - 1);
        // 1000 validation rows: standard error 1/sqrt(1000) = 0.03 nat between the two samples' NLLs.
        assertEquals(best.validationNll(), r.flow().meanNll(trainRows), 0.15, "the kept flow is the best epoch's");
        assertEquals(2, TrainingCheckpoint.read(tmp).orElseThrow().epoch(), "the diverged epoch is not saved");

        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> fit(trainer(ARCH, null).learningRates(epoch -> 1e3)));
        assertTrue(e.getMessage().contains("training diverged at epoch 1") && e.getMessage().contains("kept no epoch"),
                e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }
}
