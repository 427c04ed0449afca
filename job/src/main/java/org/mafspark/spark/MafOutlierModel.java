package org.mafspark.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.mafspark.flow.FlowModelFormat;
import org.mafspark.flow.MaskedAutoregressiveFlow;
import org.mafspark.scoring.FeatureRepair;
import org.mafspark.scoring.ReferenceProfile;
import org.mafspark.scoring.TailProbability;

/**
 * A fitted MAF anomaly detector. {@link #transform} appends to every row {@code logProbCol}
 * ({@code log p(x)} in nats, original units), {@code predictionCol} ({@code logProb <= threshold}),
 * {@code pValueCol} (the calibrated tail probability, {@link TailProbability}) and, for flagged rows,
 * {@code explanationCol} (the top {@code explainFeatures} features by {@link FeatureRepair}).
 *
 * <p>Scoring broadcasts the model's bytes once per model and Spark context; each executor JVM
 * rebuilds the flow once (cached by the bytes' SHA-256) and scores rows in batches of 4096 per ND4J
 * call. The same model scores the same rows to identical log-densities.
 *
 * <p>Saved with {@code write().save(path)} (a {@code metadata/} JSON readable by Spark's
 * {@code DefaultParamsReader} plus {@code data/flow.zip}), loaded with {@link #load(String)}; works as
 * a stage of a saved {@code PipelineModel}.
 */
public final class MafOutlierModel extends Model<MafOutlierModel>
        implements MafOutlierParams<MafOutlierModel>, MLWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final MafParamSet paramSet;
    private final byte[] flowBytes;
    private final String sha256;
    private final String[] featureNames;
    private final MafTrainingSummary summary;
    private final ReferenceProfile reference;

    private transient MaskedAutoregressiveFlow flow;
    private transient Broadcast<FlowScorer.FlowBytes> broadcast;
    private transient SparkContext broadcastContext;

    MafOutlierModel(String uid, byte[] flowBytes, String[] featureNames, MafTrainingSummary summary,
            ReferenceProfile reference) {
        this.uid = uid;
        this.paramSet = new MafParamSet(this);
        this.flowBytes = flowBytes.clone();
        this.sha256 = FlowModelFormat.sha256(flowBytes);
        this.featureNames = featureNames.clone();
        this.summary = summary;
        this.reference = reference;
        if (reference != null && reference.features() != featureNames.length) {
            throw new IllegalArgumentException("the reference profile has " + reference.features() + " features, "
                    + featureNames.length + " feature names given");
        }
        if (flow().architecture().features() != featureNames.length) {
            throw new IllegalArgumentException("the flow has " + flow().architecture().features() + " features, "
                    + featureNames.length + " feature names given");
        }
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public MafParamSet paramSet() {
        return paramSet;
    }

    /** The trained flow (decoded on the driver on first use). */
    public synchronized MaskedAutoregressiveFlow flow() {
        if (flow == null) {
            try {
                flow = FlowModelFormat.fromBytes(flowBytes, "model " + uid);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return flow;
    }

    /** The flow in {@link FlowModelFormat}. */
    public byte[] flowBytes() {
        return flowBytes.clone();
    }

    /** SHA-256 of {@link #flowBytes()}: identifies the trained parameters. */
    public String flowSha256() {
        return sha256;
    }

    /** Names of the features, in the order the flow reads them. */
    public String[] featureNames() {
        return featureNames.clone();
    }

    public int numFeatures() {
        return featureNames.length;
    }

    /** Training history, best epoch, throughput and how the threshold was derived. */
    public MafTrainingSummary trainingSummary() {
        return summary;
    }

    /**
     * What held-out normal data looked like at fit time (p-value calibration and drift bins); empty
     * for models saved before maf-spark kept one.
     */
    public Optional<ReferenceProfile> reference() {
        return Optional.ofNullable(reference);
    }

    /**
     * Sets the threshold so that exactly the rows with {@code pValue <= p} are flagged
     * ({@link TailProbability#logProbThreshold}).
     */
    public MafOutlierModel setThresholdByPValue(double p) {
        if (reference == null) {
            throw new IllegalStateException("this model has no reference profile to calibrate p-values: refit it");
        }
        return setThreshold(reference.tail().logProbThreshold(p));
    }

    @Override
    public MafOutlierModel copy(ParamMap extra) {
        MafOutlierModel copy = new MafOutlierModel(uid, flowBytes, featureNames, summary, reference);
        return copyValues(copy, extra).setParent(parent());
    }

    @Override
    public StructType transformSchema(StructType schema) {
        checkFeatures(schema);
        return FeatureColumns.outputSchema(schema, this);
    }

    private FeatureColumns checkFeatures(StructType schema) {
        FeatureColumns features = FeatureColumns.resolve(this, schema);
        if (!features.isVector() && features.columns().length != numFeatures()) {
            throw new IllegalArgumentException("inputCols has " + features.columns().length + " columns; the model "
                    + "was trained on " + numFeatures() + ": " + String.join(", ", featureNames));
        }
        int declared = features.declaredVectorSize(schema);
        if (features.isVector() && declared > 0 && declared != numFeatures()) {
            throw new IllegalArgumentException("features column '" + features.columns()[0] + "' holds vectors of size "
                    + declared + "; the model was trained on " + numFeatures() + " features");
        }
        return features;
    }

    /** All input columns plus the four output columns. */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema(), true);
        FeatureColumns features = checkFeatures(dataset.schema());
        TaskThreads.shareCores(dataset.sparkSession().sparkContext(), dataset.rdd().getNumPartitions());
        Broadcast<FlowScorer.FlowBytes> model = broadcast(dataset.sparkSession().sparkContext());
        Scoring scoring = new Scoring(getThreshold(), reference == null ? null : reference.tail(), featureNames,
                getExplainFeatures());
        int width = dataset.schema().size();
        MapPartitionsFunction<Row, Row> score = rows -> new ScoredRows(rows, features,
                FlowScorer.flow(model.value()), width, scoring);
        return dataset.toDF().mapPartitions(score, Encoders.row(out));
    }

    /**
     * Drift of {@code batch} from the data the model was fitted on (see {@link DriftReport}), measured
     * on at most 200,000 of its {@code batchRows} rows. Needs a model with a reference profile.
     */
    public DriftReport drift(Dataset<?> batch, long batchRows) {
        checkFeatures(batch.schema());
        return BatchDrift.measure(this, batch, batchRows, getSeed());
    }

    /** The broadcast flow bytes, for the package's other distributed passes. */
    Broadcast<FlowScorer.FlowBytes> scoringBroadcast(SparkContext sc) {
        return broadcast(sc);
    }

    /** The model's bytes broadcast once per Spark context, not once per transform. */
    private synchronized Broadcast<FlowScorer.FlowBytes> broadcast(SparkContext sc) {
        if (broadcast == null || broadcastContext != sc || sc.isStopped()) {
            broadcast = JavaSparkContext.fromSparkContext(sc).broadcast(new FlowScorer.FlowBytes(sha256, flowBytes));
            broadcastContext = sc;
        }
        return broadcast;
    }

    /** What the executors need besides the flow to turn a log-density into the output columns. */
    private record Scoring(double threshold, TailProbability tail, String[] featureNames, int explainFeatures)
            implements java.io.Serializable {}

    /** Input rows with their output columns appended, scored a batch at a time. */
    private static final class ScoredRows implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final FeatureColumns features;
        private final MaskedAutoregressiveFlow flow;
        private final int width;
        private final Scoring scoring;
        private final FeatureRepair repair;
        private final int d;
        private final double[] flat;
        private final List<Row> batch = new ArrayList<>(FlowScorer.BATCH_ROWS);
        private double[] logProbs = new double[0];
        private final Object[] explanations = new Object[FlowScorer.BATCH_ROWS];
        private int next;

        ScoredRows(Iterator<Row> rows, FeatureColumns features, MaskedAutoregressiveFlow flow, int width,
                Scoring scoring) {
            this.rows = rows;
            this.features = features;
            this.flow = flow;
            this.width = width;
            this.scoring = scoring;
            this.repair = new FeatureRepair(flow::logProb, flow.standardization().mean(),
                    flow.standardization().scale());
            this.d = flow.architecture().features();
            this.flat = new double[FlowScorer.BATCH_ROWS * d];
        }

        @Override
        public boolean hasNext() {
            return next < batch.size() || rows.hasNext();
        }

        @Override
        public Row next() {
            if (next == batch.size()) {
                fill();
            }
            Row in = batch.get(next);
            double lp = logProbs[next];
            Object[] values = new Object[width + 4];
            for (int i = 0; i < width; i++) {
                values[i] = in.get(i);
            }
            values[width] = lp;
            values[width + 1] = lp <= scoring.threshold();
            values[width + 2] = scoring.tail() == null ? null : scoring.tail().pValue(lp);
            values[width + 3] = explanations[next];
            next++;
            return RowFactory.create(values);
        }

        /** The explanations of the flagged rows of the batch; null for the others. */
        private void explain() {
            java.util.Arrays.fill(explanations, null);
            if (scoring.explainFeatures() == 0) {
                return;
            }
            List<Integer> flagged = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                if (logProbs[i] <= scoring.threshold()) {
                    flagged.add(i);
                }
            }
            if (flagged.isEmpty()) {
                return;
            }
            double[][] x = new double[flagged.size()][];
            double[] lp = new double[flagged.size()];
            for (int k = 0; k < x.length; k++) {
                int i = flagged.get(k);
                x[k] = java.util.Arrays.copyOfRange(flat, i * d, (i + 1) * d);
                lp[k] = logProbs[i];
            }
            double[][] c = repair.contributions(x, lp);
            int top = Math.min(scoring.explainFeatures(), d);
            for (int k = 0; k < x.length; k++) {
                FeatureRepair.Contribution[] ranked = FeatureRepair.ranked(c[k]);
                Row[] list = new Row[top];
                for (int r = 0; r < top; r++) {
                    list[r] = RowFactory.create(scoring.featureNames()[ranked[r].feature()], ranked[r].nats());
                }
                explanations[flagged.get(k)] = scala.collection.JavaConverters.asScalaBuffer(
                        java.util.Arrays.asList(list)).toList();
            }
        }

        private void fill() {
            batch.clear();
            next = 0;
            double[] x = new double[d];
            while (batch.size() < FlowScorer.BATCH_ROWS && rows.hasNext()) {
                Row r = rows.next();
                features.read(r, x);
                System.arraycopy(x, 0, flat, batch.size() * d, d);
                batch.add(r);
            }
            if (batch.isEmpty()) {
                throw new NoSuchElementException();
            }
            logProbs = FlowScorer.logProb(flow, flat, batch.size(), d);
            explain();
        }
    }

    /** Writer of this model: {@code metadata/} and {@code data/} under the path (any Hadoop file system). */
    @Override
    public MLWriter write() {
        return new MafModelPersistence.Writer(this);
    }

    /** Reader of saved models. */
    public static MLReader<MafOutlierModel> read() {
        return new MafModelPersistence.Reader();
    }

    /** Loads a model saved with {@code write().save(path)}. */
    public static MafOutlierModel load(String path) {
        return read().load(path);
    }
}
