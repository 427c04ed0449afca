package org.mafspark.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
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
import org.mafspark.flow.TrainingConfig;
import org.mafspark.flow.TrainingListener;
import org.mafspark.flow.TrainingResult;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a flow on Spark with DL4J's synchronous parameter averaging: the distributed counterpart of
 * {@link org.mafspark.flow.FlowTrainer}, with the same epoch loop (keep the best validation epoch,
 * cosine learning-rate schedule, stop after {@code patience} epochs without improvement or on
 * a non-finite loss).
 *
 * <p>Each epoch the cached training rows are standardised and shuffled within their partition into
 * flow-state minibatches of {@code batchSizePerWorker} rows built from Java arrays; DL4J splits them
 * into rounds of {@code numWorkers x averagingFrequency} minibatches and averages parameters and Adam
 * state after each round. After the epoch, train and validation NLL are computed exactly, in one
 * Spark job, by scoring both splits with the epoch's flow (broadcast once).
 */
final class DistributedFlowTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(DistributedFlowTrainer.class);

    /**
     * Cache level of the per-epoch minibatch RDD. dl4j-spark persists the RDD it trains on at the
     * training master's storage level and refuses a different existing level, so both use this one.
     */
    static final StorageLevel MINIBATCH_STORAGE = StorageLevel.MEMORY_ONLY();

    private final JavaSparkContext jsc;
    private final FlowArchitecture architecture;
    private final TrainingConfig config;
    private final int averagingFrequency;
    private final int numWorkers;
    private final DataType dataType;
    private TrainingListener listener = TrainingListener.NONE;

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
    }

    DistributedFlowTrainer listener(TrainingListener l) {
        this.listener = l;
        return this;
    }

    /**
     * Trains on {@code train} (cached, {@code numWorkers} partitions, original units) and selects the
     * epoch on {@code validation} (may be empty: then on the training NLL).
     */
    TrainingResult fit(JavaRDD<double[]> train, long trainRows, JavaRDD<double[]> validation, long validationRows,
            Standardization std) {
        MultiLayerNetwork init = FlowNetworks.create(FlowNetworks.configuration(architecture, config, dataType));
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(numWorkers,
                config.batchSize())
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
                .rngSeed(config.seed())
                .build();
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(jsc, init, master);

        List<EpochStats> history = new ArrayList<>();
        byte[] best = null;
        EarlyStopping stopping = new EarlyStopping(config.patience(), config.epochs());
        int trainPartitions = train.getNumPartitions();
        JavaRDD<double[]> both = validationRows > 0 ? train.union(validation) : train;
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            long t0 = System.nanoTime();
            // The broadcast configuration carries the rate to the workers (same schedule as FlowTrainer).
            sparkNet.getNetwork().setLearningRate(config.learningRateAt(epoch));
            JavaRDD<DataSet> batches = minibatches(train, std, epoch).persist(MINIBATCH_STORAGE);
            try {
                sparkNet.fit(batches);
            } finally {
                batches.unpersist(false);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;

            byte[] bytes = FlowModelFormat.toBytes(new MaskedAutoregressiveFlow(architecture, std,
                    sparkNet.getNetwork()));
            double[] nll = meanNll(both, trainPartitions, bytes);
            double trainNll = nll[0];
            double valNll = validationRows > 0 ? nll[1] : Double.NaN;
            EpochStats stats = new EpochStats(epoch, trainNll, valNll, trainRows / seconds, seconds);
            history.add(stats);
            listener.onEpoch(stats, config.epochs());
            LOG.info("epoch {}/{}: train NLL {} validation NLL {} ({} rows/s on {} workers)", epoch, config.epochs(),
                    String.format("%.4f", trainNll), String.format("%.4f", valNll),
                    String.format("%.0f", stats.rowsPerSecond()), numWorkers);
            EarlyStopping.Decision d = stopping.offer(epoch, validationRows > 0 ? valNll : trainNll);
            if (d == EarlyStopping.Decision.IMPROVED) {
                best = bytes;
            } else if (d == EarlyStopping.Decision.STOP) {
                stopping.log(LOG);
                break;
            }
        }
        if (best == null) {
            throw new IllegalStateException("training produced no finite loss (" + stopping.stopReason()
                    + "): lower learningRate or check the features for extreme values");
        }
        try {
            return new TrainingResult(FlowModelFormat.fromBytes(best, "best epoch"), history, stopping.bestEpoch(),
                    stopping.stopReason());
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
