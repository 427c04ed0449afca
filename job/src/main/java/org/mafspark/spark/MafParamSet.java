package org.mafspark.spark;

import java.io.Serializable;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;
import org.mafspark.flow.FlowArchitecture;
import org.mafspark.flow.TrainingConfig;
import scala.runtime.AbstractFunction1;

/**
 * The {@link Param} instances of one owner (a detector or a model) and their defaults.
 *
 * <p>Spark finds params by reflection on public no-arg methods returning {@code Param} and
 * requires each call to return the same instance, whose parent is the owner's uid: each owner
 * creates one {@code MafParamSet} in its constructor, after its uid is known, and
 * {@link MafOutlierParams}' accessor methods read these fields.
 */
public final class MafParamSet implements Serializable {
    private static final long serialVersionUID = 1L;

    final Param<String> featuresCol;
    final StringArrayParam inputCols;
    final Param<String> logProbCol;
    final Param<String> predictionCol;
    final Param<String> pValueCol;
    final Param<String> explanationCol;
    final IntParam explainFeatures;
    final DoubleParam threshold;
    final DoubleParam contamination;
    final DoubleParam contaminationError;
    final IntParam numLayers;
    final IntParam hiddenFeatures;
    final IntParam numBlocks;
    final IntParam maxEpochs;
    final IntParam batchSizePerWorker;
    final IntParam averagingFrequency;
    final DoubleParam learningRate;
    final DoubleParam validationFraction;
    final IntParam earlyStoppingPatience;
    final LongParam seed;
    final IntParam numWorkers;
    final DoubleParam clipNorm;
    final Param<String> checkpointDir;

    /** Default rows per minibatch on each worker, as the one-JVM trainer. */
    public static final int DEFAULT_BATCH_SIZE_PER_WORKER = TrainingConfig.defaults().batchSize();
    /** Default minibatches each worker fits between two parameter averagings. */
    public static final int DEFAULT_AVERAGING_FREQUENCY = 5;
    /** Default number of features an explanation lists. */
    public static final int DEFAULT_EXPLAIN_FEATURES = 5;
    /** Default share of rows flagged when no threshold is given. */
    public static final double DEFAULT_CONTAMINATION = 0.001;
    /** Default relative rank error of the contamination quantile. */
    public static final double DEFAULT_CONTAMINATION_ERROR = 1e-4;

    MafParamSet(Params owner) {
        TrainingConfig t = TrainingConfig.defaults();
        featuresCol = new Param<>(owner, "featuresCol",
                "vector column of features; ignored when inputCols is set (setting both is an error)", nonBlank());
        inputCols = new StringArrayParam(owner, "inputCols",
                "numeric columns used as features, in this order (instead of featuresCol); non-empty, distinct",
                new NonEmptyNames());
        logProbCol = new Param<>(owner, "logProbCol", "output column: log-density log p(x) of each row, in nats, "
                + "in the original units of the features", nonBlank());
        predictionCol = new Param<>(owner, "predictionCol",
                "output column: true when logProb <= threshold", nonBlank());
        pValueCol = new Param<>(owner, "pValueCol", "output column: calibrated tail probability of each row, "
                + "the share of held-out normal rows whose logProb is at or below this row's (null for models "
                + "saved without a reference)", nonBlank());
        explanationCol = new Param<>(owner, "explanationCol", "output column: for flagged rows, the features "
                + "that make the row unlikely, ranked, as an array of {feature, contribution} (nats regained by "
                + "repairing that feature alone); null for other rows", nonBlank());
        explainFeatures = new IntParam(owner, "explainFeatures", "how many top features the explanation of a "
                + "flagged row lists; 0 turns explanations off", ParamValidators.gtEq(0));
        threshold = new DoubleParam(owner, "threshold", "absolute threshold alpha on log p(x): rows with "
                + "logProb <= alpha are anomalies. When set on the detector, contamination is not used; a fitted "
                + "model always has one", notNaN());
        contamination = new DoubleParam(owner, "contamination", "share of the training rows to flag when no "
                + "threshold is set: the threshold is their approximate contamination-quantile of log p(x)",
                ParamValidators.inRange(0.0, 0.5, false, true));
        contaminationError = new DoubleParam(owner, "contaminationError", "relative rank error of the "
                + "contamination quantile (DataFrameStatFunctions.approxQuantile); 0 computes it exactly",
                ParamValidators.inRange(0.0, 1.0, true, false));
        numLayers = new IntParam(owner, "numLayers", "number of masked autoregressive transforms",
                ParamValidators.gtEq(1));
        hiddenFeatures = new IntParam(owner, "hiddenFeatures", "hidden units of each MADE layer",
                ParamValidators.gtEq(1));
        numBlocks = new IntParam(owner, "numBlocks", "residual blocks per MADE", ParamValidators.gtEq(0));
        maxEpochs = new IntParam(owner, "maxEpochs", "maximum passes over the training rows. Left unset, the "
                + "default is raised on small data until each worker makes " + MafOutlierDetector.MIN_STEPS_PER_WORKER
                + " optimizer steps (at most " + MafOutlierDetector.MAX_AUTO_EPOCHS + " epochs)",
                ParamValidators.gtEq(1));
        batchSizePerWorker = new IntParam(owner, "batchSizePerWorker", "rows per minibatch on each worker",
                ParamValidators.gtEq(1));
        averagingFrequency = new IntParam(owner, "averagingFrequency",
                "minibatches each worker fits between two parameter averagings", ParamValidators.gtEq(1));
        learningRate = new DoubleParam(owner, "learningRate", "Adam's initial step size, cosine-annealed towards 0 "
                + "over maxEpochs", ParamValidators.gt(0.0));
        validationFraction = new DoubleParam(owner, "validationFraction", "share of the rows held out to choose "
                + "the best epoch and stop early; 0 uses the training NLL", ParamValidators.inRange(0.0, 1.0, true,
                false));
        earlyStoppingPatience = new IntParam(owner, "earlyStoppingPatience", "epochs without a better "
                + "validation NLL before training stops; 0 never stops early", ParamValidators.gtEq(0));
        seed = new LongParam(owner, "seed", "seed of initialisation, validation split and shuffling");
        numWorkers = new IntParam(owner, "numWorkers", "parallel trainers (partitions of the training data); "
                + "unset = the Spark context's default parallelism", ParamValidators.gtEq(1));
        clipNorm = new DoubleParam(owner, "clipNorm", "bound on the L2 norm of each layer's gradient (a remedy for a "
                + "diverging training); 0 disables clipping", ParamValidators.gtEq(0.0));
        checkpointDir = new Param<>(owner, "checkpointDir", "directory on the driver's file system where training "
                + "writes a checkpoint after every epoch; a fit with the same directory and configuration resumes "
                + "after the last complete epoch. Empty = no checkpoints", new NotNull());

        owner.setDefault(featuresCol, "features");
        owner.setDefault(logProbCol, "logProb");
        owner.setDefault(predictionCol, "isAnomaly");
        owner.setDefault(pValueCol, "pValue");
        owner.setDefault(explanationCol, "explanation");
        owner.setDefault(explainFeatures, DEFAULT_EXPLAIN_FEATURES);
        owner.setDefault(contamination, DEFAULT_CONTAMINATION);
        owner.setDefault(contaminationError, DEFAULT_CONTAMINATION_ERROR);
        owner.setDefault(numLayers, FlowArchitecture.DEFAULT_LAYERS);
        owner.setDefault(hiddenFeatures, FlowArchitecture.DEFAULT_HIDDEN);
        owner.setDefault(numBlocks, FlowArchitecture.DEFAULT_BLOCKS);
        owner.setDefault(maxEpochs, t.epochs());
        owner.setDefault(batchSizePerWorker, DEFAULT_BATCH_SIZE_PER_WORKER);
        owner.setDefault(averagingFrequency, DEFAULT_AVERAGING_FREQUENCY);
        owner.setDefault(learningRate, t.learningRate());
        owner.setDefault(validationFraction, t.validationFraction());
        owner.setDefault(earlyStoppingPatience, t.patience());
        owner.setDefault(seed, t.seed());
        owner.setDefault(clipNorm, t.clipNorm());
        owner.setDefault(checkpointDir, "");
    }

    private static AbstractFunction1<String, Object> nonBlank() {
        return new NonBlank();
    }

    private static AbstractFunction1<Object, Object> notNaN() {
        return new NotNaN();
    }

    /** Serializable because Spark may serialise params with their owner. */
    private static final class NonBlank extends AbstractFunction1<String, Object> implements Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Object apply(String s) {
            return s != null && !s.isBlank();
        }
    }

    /** A non-empty list of distinct, non-blank column names. */
    private static final class NonEmptyNames extends AbstractFunction1<String[], Object> implements Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Object apply(String[] names) {
            return names != null && names.length > 0 && java.util.Arrays.stream(names).allMatch(n -> n != null
                    && !n.isBlank()) && java.util.Arrays.stream(names).distinct().count() == names.length;
        }
    }

    private static final class NotNull extends AbstractFunction1<String, Object> implements Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Object apply(String s) {
            return s != null;
        }
    }

    private static final class NotNaN extends AbstractFunction1<Object, Object> implements Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Object apply(Object v) {
            return !Double.isNaN((Double) v);
        }
    }
}
