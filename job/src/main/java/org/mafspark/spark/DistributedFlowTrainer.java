package org.mafspark.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.IntToDoubleFunction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.mafspark.flow.EarlyStopping;
import org.mafspark.flow.EpochStats;
import org.mafspark.flow.FlowArchitecture;
import org.mafspark.flow.FlowModelFormat;
import org.mafspark.flow.FlowNetworks;
import org.mafspark.flow.MaskedAutoregressiveFlow;
import org.mafspark.flow.MinibatchBuilder;
import org.mafspark.flow.Shuffling;
import org.mafspark.flow.Standardization;
import org.mafspark.flow.TrainingCheckpoint;
import org.mafspark.flow.TrainingConfig;
import org.mafspark.flow.TrainingDivergedException;
import org.mafspark.flow.TrainingListener;
import org.mafspark.flow.TrainingResult;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a flow on Spark with DL4J's synchronous parameter averaging: the distributed counterpart of
 * {@link org.mafspark.flow.FlowTrainer}, with the same epoch loop (keep the best validation epoch,
 * cosine learning-rate schedule, stop after {@code patience} epochs without improvement or on
 * a non-finite loss, keeping the best finite epoch).
 *
 * <p>Each epoch the cached training rows are standardised and shuffled within their partition into
 * flow-state minibatches of {@code batchSizePerWorker} rows built from Java arrays; DL4J splits them
 * into rounds of {@code numWorkers x averagingFrequency} minibatches and averages parameters and Adam
 * state after each round. After the epoch, the validation NLL and the training NLL are computed
 * exactly, in one Spark job, by scoring the validation rows and a fixed, seeded sample of at most
 * {@link #TRAIN_NLL_ROWS} training rows with the epoch's flow (broadcast once).
 *
 * <p>With a checkpoint directory, the state after each epoch is written there atomically (see
 * {@link TrainingCheckpoint}) and a new fit with the same directory and configuration continues after
 * the last complete epoch: the driver may die at any point. Lost executors need nothing from here:
 * Spark reruns their tasks, and every task is a deterministic function of its broadcast parameters
 * and its (recomputable) minibatches, so a rerun averages the same values.
 */
final class DistributedFlowTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(DistributedFlowTrainer.class);

    /**
     * Cache level of the per-epoch minibatch RDD. dl4j-spark persists the RDD it trains on at the
     * training master's storage level and refuses a different existing level, so both use this one.
     */
    static final StorageLevel MINIBATCH_STORAGE = StorageLevel.MEMORY_ONLY();

    /**
     * Training rows scored after each epoch for the training NLL (the curves, and early stopping
     * without validation rows): the same seeded sample every epoch, so epochs compare on the same
     * rows. Scoring every training row cost ~20% of each epoch of the default job and would take
     * about a minute per epoch at 10M rows; at 50,000 rows the mean's standard error is ~0.005 nats
     * for a spread of log p of ~1 nat.
     */
    static final int TRAIN_NLL_ROWS = 50_000;

    private final JavaSparkContext jsc;
    private final FlowArchitecture architecture;
    private final TrainingConfig config;
    private final int averagingFrequency;
    private final int numWorkers;
    private final DataType dataType;
    private TrainingListener listener = TrainingListener.NONE;
    private IntToDoubleFunction learningRates;
    private Path checkpointDir;
    private int trainNllRows = TRAIN_NLL_ROWS;

    /**
     * @param config training settings; {@code batchSize} is the minibatch size per worker and
     *     {@code validationFraction} is not used here (the caller splits)
     */
    DistributedFlowTrainer(JavaSparkContext jsc, FlowArchitecture architecture, TrainingConfig config,
            int averagingFrequency, int numWorkers, DataType dataType) {
        this.jsc = jsc;
        this.architecture = architecture;
        this.config = config;
        this.averagingFrequency = averagingFrequency;
        this.numWorkers = numWorkers;
        this.dataType = dataType;
        this.learningRates = config::learningRateAt;
    }

    DistributedFlowTrainer listener(TrainingListener l) {
        this.listener = l;
        return this;
    }

    /**
     * Writes a {@link TrainingCheckpoint} to {@code dir} after every epoch and, when {@code dir} already
     * holds one of the same configuration, resumes from it; null disables checkpoints.
     */
    DistributedFlowTrainer checkpointDir(Path dir) {
        this.checkpointDir = dir;
        return this;
    }

    /** Scores at most {@code rows} training rows for each epoch's training NLL (tests use fewer). */
    DistributedFlowTrainer trainNllRows(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("training NLL rows must be >= 1, got " + rows);
        }
        this.trainNllRows = rows;
        return this;
    }

    /** Replaces the cosine schedule (epoch -> rate): tests force a divergence at a chosen epoch with it. */
    DistributedFlowTrainer learningRates(IntToDoubleFunction schedule) {
        this.learningRates = schedule;
        return this;
    }

    /**
     * Trains on {@code train} (cached, {@code numWorkers} partitions, original units) and selects the
     * epoch on {@code validation} (may be empty: then on the training NLL).
     *
     * @throws TrainingDivergedException when the loss is not finite before any epoch ended finite
     * @throws IllegalArgumentException when the checkpoint directory holds a checkpoint of another
     *     configuration or other training data
     */
    TrainingResult fit(JavaRDD<double[]> train, long trainRows, JavaRDD<double[]> validation, long validationRows,
            Standardization std) {
        String configuration = configuration(trainRows, validationRows);
        MultiLayerNetwork net = FlowNetworks.create(FlowNetworks.configuration(architecture, config, dataType));
        List<EpochStats> history = new ArrayList<>();
        MaskedAutoregressiveFlow best = null;
        EarlyStopping stopping = new EarlyStopping(config.patience(), config.epochs());
        int first = 1;
        Optional<TrainingCheckpoint> checkpoint = resumable(configuration, std);
        if (checkpoint.isPresent()) {
            TrainingCheckpoint cp = checkpoint.get();
            if (cp.finished()) {
                LOG.info("checkpoint {} holds a finished run ({}): returning its best epoch {}", checkpointFile(),
                        cp.stopReason(), cp.bestEpoch());
                return new TrainingResult(cp.bestFlow(), cp.history(), cp.bestEpoch(), cp.stopReason());
            }
            restore(net, cp);
            std = cp.flow().standardization();
            history.addAll(cp.history());
            best = cp.bestFlow();
            stopping = EarlyStopping.resume(config.patience(), config.epochs(), cp.bestEpoch(), cp.bestScore());
            first = cp.epoch() + 1;
            LOG.info("resuming from checkpoint {}: epoch {} of {} done, best epoch {} (score {})", checkpointFile(),
                    cp.epoch(), config.epochs(), cp.bestEpoch(), cp.bestScore());
        }

        JavaRDD<double[]> scored = trainNllSample(train, trainRows);
        int trainPartitions = scored.getNumPartitions();
        JavaRDD<double[]> both = validationRows > 0 ? scored.union(validation) : scored;
        try {
            for (int epoch = first; epoch <= config.epochs(); epoch++) {
                long t0 = System.nanoTime();
                // The broadcast configuration carries the rate to the workers (same schedule as FlowTrainer).
                net.setLearningRate(learningRates.applyAsDouble(epoch));
                // A training master per epoch, seeded by the epoch: its random split of the minibatches into
                // averaging rounds then does not depend on how many epochs this driver ran, so a resumed run
                // repeats exactly what an uninterrupted one would have done.
                SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(jsc, net, trainingMaster(epoch));
                JavaRDD<DataSet> batches = minibatches(train, std, epoch).persist(MINIBATCH_STORAGE);
                try {
                    sparkNet.fit(batches);
                } finally {
                    batches.unpersist(false);
                }
                net = sparkNet.getNetwork();
                double minibatchLoss = sparkNet.getScore();
                if (!Double.isFinite(minibatchLoss)) {
                    stopping.diverge(epoch, "the mean minibatch loss of the last averaging round is " + minibatchLoss);
                    break;
                }
                double seconds = (System.nanoTime() - t0) / 1e9;

                MaskedAutoregressiveFlow current = new MaskedAutoregressiveFlow(architecture, std, net);
                byte[] bytes = FlowModelFormat.toBytes(current);
                double[] nll = meanNll(both, trainPartitions, bytes);
                double trainNll = nll[0];
                double valNll = validationRows > 0 ? nll[1] : Double.NaN;
                EpochStats stats = new EpochStats(epoch, trainNll, valNll, trainRows / seconds, seconds);
                history.add(stats);
                LOG.info("epoch {}/{}: train NLL {} validation NLL {} ({} rows/s on {} workers; {})", epoch,
                        config.epochs(), String.format("%.4f", trainNll), String.format("%.4f", valNll),
                        String.format("%.0f", stats.rowsPerSecond()), numWorkers,
                        EpochStats.eta(history, config.epochs()));
                String what = EarlyStopping.nonFinite(trainNll, valNll, validationRows > 0);
                EarlyStopping.Decision d = what != null ? stopping.diverge(epoch, what)
                        : stopping.offer(epoch, validationRows > 0 ? valNll : trainNll);
                if (d == EarlyStopping.Decision.IMPROVED) {
                    best = copy(bytes);
                }
                boolean last = d == EarlyStopping.Decision.STOP || epoch == config.epochs();
                if (!stopping.diverged()) {
                    // A diverged epoch is not saved: the directory keeps the last finite one.
                    double[] adam = net.getUpdater().getStateViewArray().castTo(DataType.DOUBLE).data().asDouble();
                    checkpoint(new TrainingCheckpoint(configuration, epoch, current, adam,
                            net.getLayerWiseConfigurations().getIterationCount(),
                            net.getLayerWiseConfigurations().getEpochCount(), stopping.bestEpoch(),
                            stopping.bestScore(), best, history, last ? stopping.stopReason() : null));
                }
                listener.onEpoch(stats, config.epochs());
                if (d == EarlyStopping.Decision.STOP) {
                    break;
                }
            }
        } finally {
            if (scored != train) {
                scored.unpersist(false);
            }
        }

        String stopReason = stopping.finish(LOG, config.learningRate());
        return new TrainingResult(best, history, stopping.bestEpoch(), stopReason);
    }

    /**
     * The training rows each epoch's training NLL is computed on: all of them up to
     * {@link #trainNllRows}, else a Bernoulli sample of about that many, seeded by the
     * configuration's seed (so a resumed run scores the same rows) and cached for the run.
     */
    private JavaRDD<double[]> trainNllSample(JavaRDD<double[]> train, long trainRows) {
        if (trainRows <= trainNllRows) {
            return train;
        }
        return train.sample(false, (double) trainNllRows / trainRows, config.seed())
                .persist(StorageLevel.MEMORY_ONLY());
    }

    /**
     * The run's configuration in words: what must not change between a checkpointed run and its
     * resumption (records print every field).
     */
    private String configuration(long trainRows, long validationRows) {
        return "architecture=" + architecture + ", training=" + config + ", workers=" + numWorkers
                + ", averagingFrequency=" + averagingFrequency + ", dataType=" + dataType + ", trainRows=" + trainRows
                + ", validationRows=" + validationRows;
    }

    private ParameterAveragingTrainingMaster trainingMaster(int epoch) {
        return new ParameterAveragingTrainingMaster.Builder(numWorkers, config.batchSize())
                .batchSizePerWorker(config.batchSize())
                .averagingFrequency(averagingFrequency)
                // The minibatches are already materialised arrays in the cache: an async prefetch thread
                // would only add a hand-off per minibatch (not measured against 0 yet).
                .workerPrefetchNumBatches(0)
                .saveUpdater(true)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .storageLevel(MINIBATCH_STORAGE)
                // The rows already sit in numWorkers partitions: a repartition per averaging round
                // would shuffle every minibatch through serialisation for nothing.
                .repartionData(Repartition.NumPartitionsWorkersDiffers)
                .rngSeed(config.seed() * 1_000_003L + epoch)
                .build();
    }

    private Path checkpointFile() {
        return checkpointDir.resolve(TrainingCheckpoint.FILE);
    }

    /** The checkpoint to resume from, after checking that it belongs to this configuration and data. */
    private Optional<TrainingCheckpoint> resumable(String configuration, Standardization std) {
        if (checkpointDir == null) {
            return Optional.empty();
        }
        Optional<TrainingCheckpoint> found;
        try {
            found = TrainingCheckpoint.read(checkpointDir);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot resume from checkpointDir " + checkpointDir + ": "
                    + e.getMessage() + " (delete it to train from scratch)", e);
        }
        if (found.isEmpty()) {
            LOG.info("no checkpoint in {} yet: training from epoch 1, checkpointing every epoch", checkpointDir);
            return found;
        }
        TrainingCheckpoint cp = found.get();
        if (!cp.fingerprint().equals(TrainingCheckpoint.fingerprint(configuration))) {
            throw new IllegalArgumentException("checkpoint " + checkpointFile() + " was written by a run with another "
                    + "configuration (fingerprint " + cp.fingerprint().substring(0, 12) + ", this run "
                    + TrainingCheckpoint.fingerprint(configuration).substring(0, 12) + "):\n  checkpoint: "
                    + cp.configuration() + "\n  this run:   " + configuration
                    + "\nUse another checkpointDir, or delete this one to train from scratch");
        }
        Standardization saved = cp.flow().standardization();
        for (int j = 0; j < std.features(); j++) {
            if (!close(saved.mean()[j], std.mean()[j]) || !close(saved.scale()[j], std.scale()[j])) {
                throw new IllegalArgumentException("checkpoint " + checkpointFile() + " was trained on other data: "
                        + "feature " + j + " has mean " + std.mean()[j] + " and scale " + std.scale()[j]
                        + " here, " + saved.mean()[j] + " and " + saved.scale()[j] + " in the checkpoint. Use another "
                        + "checkpointDir, or delete this one to train from scratch");
            }
        }
        return found;
    }

    /** Equal up to the rounding of a differently ordered sum over the rows. */
    private static boolean close(double a, double b) {
        return Math.abs(a - b) <= 1e-9 * Math.max(1.0, Math.max(Math.abs(a), Math.abs(b)));
    }

    /** Puts the checkpoint's parameters, Adam state and DL4J counters into {@code net}. */
    private void restore(MultiLayerNetwork net, TrainingCheckpoint cp) {
        net.params().assign(cp.flow().network().params());
        INDArray state = net.getUpdater().getStateViewArray();
        if (state.length() != cp.updaterState().length) {
            throw new IllegalArgumentException("checkpoint " + checkpointFile() + " holds " + cp.updaterState().length
                    + " updater values, the network needs " + state.length());
        }
        state.assign(Nd4j.createFromArray(cp.updaterState()).castTo(state.dataType()).reshape(state.shape()));
        net.getLayerWiseConfigurations().setIterationCount(cp.iterationCount());
        net.getLayerWiseConfigurations().setEpochCount(cp.epochCount());
    }

    private void checkpoint(TrainingCheckpoint cp) {
        if (checkpointDir == null) {
            return;
        }
        try {
            cp.write(checkpointDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint of epoch " + cp.epoch() + " to "
                    + checkpointDir + ": " + e.getMessage(), e);
        }
    }

    private static MaskedAutoregressiveFlow copy(byte[] flowBytes) {
        try {
            return FlowModelFormat.fromBytes(flowBytes, "best epoch");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This epoch's minibatches: each partition standardised, shuffled (seeded per epoch) and chunked. */
    private JavaRDD<DataSet> minibatches(JavaRDD<double[]> rows, Standardization std, int epoch) {
        int batch = config.batchSize();
        long seed = config.seed();
        DataType dt = dataType;
        return rows.mapPartitionsWithIndex((partition, it) -> {
            List<double[]> z = new ArrayList<>();
            while (it.hasNext()) {
                z.add(std.apply(it.next()));
            }
            double[][] zs = z.toArray(new double[0][]);
            int[] order = Shuffling.shuffled(zs.length, new Random(seed * 1_000_003L + epoch * 7919L + partition));
            List<DataSet> out = new ArrayList<>(zs.length / batch + 1);
            for (int from = 0; from < zs.length; from += batch) {
                int to = Math.min(zs.length, from + batch);
                out.add(MinibatchBuilder.dataSet(MinibatchBuilder.states(zs, order, from, to, dt)));
            }
            return out.iterator();
        }, true);
    }

    /**
     * Mean NLL (original units) of the first {@code trainPartitions} partitions of {@code rows} and of
     * the rest, scored with the flow in {@code bytes}: {@code {train, validation}}.
     */
    private double[] meanNll(JavaRDD<double[]> rows, int trainPartitions, byte[] bytes) {
        Broadcast<FlowScorer.FlowBytes> model = jsc.broadcast(FlowScorer.FlowBytes.of(bytes));
        try {
            double[] sums = rows.mapPartitionsWithIndex((partition, it) -> {
                double[] s = new double[4];
                int k = partition < trainPartitions ? 0 : 2;
                sumNll(FlowScorer.flow(model.value()), it, s, k);
                return List.of(s).iterator();
            }, false).reduce((a, b) -> new double[] {a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]});
            return new double[] {sums[0] / sums[1], sums[3] > 0 ? sums[2] / sums[3] : Double.NaN};
        } finally {
            model.destroy();
        }
    }

    /** Adds {@code sum(-log p)} to {@code acc[k]} and the row count to {@code acc[k + 1]}. */
    private static void sumNll(MaskedAutoregressiveFlow flow, Iterator<double[]> rows, double[] acc, int k) {
        Iterator<double[]> batches = FlowScorer.logProbBatches(rows, flow);
        while (batches.hasNext()) {
            double[] lp = batches.next();
            for (double v : lp) {
                acc[k] -= v;
            }
            acc[k + 1] += lp.length;
        }
    }

}
