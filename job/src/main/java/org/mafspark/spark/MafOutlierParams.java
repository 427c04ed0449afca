package org.mafspark.spark;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;

/**
 * The params shared by {@link MafOutlierDetector} and {@link MafOutlierModel}, with their getters
 * and fluent setters ({@code T} is the implementing class, so setters chain on it).
 *
 * <p>Features come from either {@code inputCols} (numeric columns) or {@code featuresCol} (a
 * vector column, default {@code "features"}); setting both is an error. The threshold is either
 * {@code threshold} (absolute, on log p) or, when that is unset, the {@code contamination}
 * quantile of the training log-densities. Every param has a default except {@code inputCols},
 * {@code threshold} and {@code numWorkers}, which are optional: test them with
 * {@link #hasInputCols()}, {@link #hasThreshold()}, {@link #hasNumWorkers()}.
 *
 * @param <T> the implementing class
 */
public interface MafOutlierParams<T extends MafOutlierParams<T>> extends Params {

    /** The param instances of this owner (one set per owner, created with it). */
    MafParamSet paramSet();

    /** Vector column of features (used when {@code inputCols} is unset). */
    default Param<String> featuresCol() {
        return paramSet().featuresCol;
    }

    /** Numeric feature columns (instead of {@code featuresCol}). */
    default StringArrayParam inputCols() {
        return paramSet().inputCols;
    }

    /** Output column of {@code log p(x)}. */
    default Param<String> logProbCol() {
        return paramSet().logProbCol;
    }

    /** Output column of the anomaly flag. */
    default Param<String> predictionCol() {
        return paramSet().predictionCol;
    }

    /** Output column of the calibrated tail probability. */
    default Param<String> pValueCol() {
        return paramSet().pValueCol;
    }

    /** Output column of the per-feature explanation of flagged rows. */
    default Param<String> explanationCol() {
        return paramSet().explanationCol;
    }

    /** Number of features an explanation lists (0: none). */
    default IntParam explainFeatures() {
        return paramSet().explainFeatures;
    }

    /** Absolute threshold on {@code log p(x)}. */
    default DoubleParam threshold() {
        return paramSet().threshold;
    }

    /** Share of training rows to flag when no threshold is set. */
    default DoubleParam contamination() {
        return paramSet().contamination;
    }

    /** Relative rank error of the contamination quantile. */
    default DoubleParam contaminationError() {
        return paramSet().contaminationError;
    }

    /** Number of autoregressive transforms. */
    default IntParam numLayers() {
        return paramSet().numLayers;
    }

    /** Hidden units per MADE layer. */
    default IntParam hiddenFeatures() {
        return paramSet().hiddenFeatures;
    }

    /** Residual blocks per MADE. */
    default IntParam numBlocks() {
        return paramSet().numBlocks;
    }

    /** Maximum epochs. */
    default IntParam maxEpochs() {
        return paramSet().maxEpochs;
    }

    /** Rows per minibatch on each worker. */
    default IntParam batchSizePerWorker() {
        return paramSet().batchSizePerWorker;
    }

    /** Minibatches per worker between parameter averagings. */
    default IntParam averagingFrequency() {
        return paramSet().averagingFrequency;
    }

    /** Adam's initial step size. */
    default DoubleParam learningRate() {
        return paramSet().learningRate;
    }

    /** Share of rows held out for early stopping. */
    default DoubleParam validationFraction() {
        return paramSet().validationFraction;
    }

    /** Epochs without improvement before stopping. */
    default IntParam earlyStoppingPatience() {
        return paramSet().earlyStoppingPatience;
    }

    /** Seed of initialisation, split and shuffling. */
    default LongParam seed() {
        return paramSet().seed;
    }

    /** Parallel trainers; unset = default parallelism. */
    default IntParam numWorkers() {
        return paramSet().numWorkers;
    }

    /** Per-layer gradient L2 bound; 0 = no clipping. */
    default DoubleParam clipNorm() {
        return paramSet().clipNorm;
    }

    /** Directory of the per-epoch training checkpoint; empty = none. */
    default Param<String> checkpointDir() {
        return paramSet().checkpointDir;
    }

    // ---- getters -------------------------------------------------------------------------

    default String getFeaturesCol() {
        return getOrDefault(featuresCol());
    }

    /** Whether features come from {@code inputCols} rather than a vector column. */
    default boolean hasInputCols() {
        return isSet(inputCols());
    }

    /** The numeric feature columns; throws {@link IllegalStateException} when unset. */
    default String[] getInputCols() {
        if (!hasInputCols()) {
            throw new IllegalStateException("inputCols is not set: features come from the vector column '"
                    + getFeaturesCol() + "'");
        }
        return getOrDefault(inputCols()).clone();
    }

    default String getLogProbCol() {
        return getOrDefault(logProbCol());
    }

    default String getPredictionCol() {
        return getOrDefault(predictionCol());
    }

    default String getPValueCol() {
        return getOrDefault(pValueCol());
    }

    default String getExplanationCol() {
        return getOrDefault(explanationCol());
    }

    default int getExplainFeatures() {
        return (Integer) getOrDefault(explainFeatures());
    }

    /** Whether an absolute threshold is set (always true on a fitted model). */
    default boolean hasThreshold() {
        return isSet(threshold());
    }

    /** The absolute threshold on {@code log p}; throws {@link IllegalStateException} when unset. */
    default double getThreshold() {
        if (!hasThreshold()) {
            throw new IllegalStateException("threshold is not set: the detector derives it from contamination="
                    + getContamination());
        }
        return (Double) getOrDefault(threshold());
    }

    default double getContamination() {
        return (Double) getOrDefault(contamination());
    }

    default double getContaminationError() {
        return (Double) getOrDefault(contaminationError());
    }

    default int getNumLayers() {
        return (Integer) getOrDefault(numLayers());
    }

    default int getHiddenFeatures() {
        return (Integer) getOrDefault(hiddenFeatures());
    }

    default int getNumBlocks() {
        return (Integer) getOrDefault(numBlocks());
    }

    default int getMaxEpochs() {
        return (Integer) getOrDefault(maxEpochs());
    }

    default int getBatchSizePerWorker() {
        return (Integer) getOrDefault(batchSizePerWorker());
    }

    default int getAveragingFrequency() {
        return (Integer) getOrDefault(averagingFrequency());
    }

    default double getLearningRate() {
        return (Double) getOrDefault(learningRate());
    }

    default double getValidationFraction() {
        return (Double) getOrDefault(validationFraction());
    }

    default int getEarlyStoppingPatience() {
        return (Integer) getOrDefault(earlyStoppingPatience());
    }

    default long getSeed() {
        return (Long) getOrDefault(seed());
    }

    /** Whether {@code numWorkers} is set. */
    default boolean hasNumWorkers() {
        return isSet(numWorkers());
    }

    /** The number of parallel trainers; throws {@link IllegalStateException} when unset. */
    default int getNumWorkers() {
        if (!hasNumWorkers()) {
            throw new IllegalStateException("numWorkers is not set: the Spark context's default parallelism is used");
        }
        return (Integer) getOrDefault(numWorkers());
    }

    default double getClipNorm() {
        return (Double) getOrDefault(clipNorm());
    }

    default String getCheckpointDir() {
        return getOrDefault(checkpointDir());
    }

    // ---- setters -------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private T with(Param<?> param, Object value) {
        @SuppressWarnings("rawtypes")
        Param raw = param;
        set(raw, value);
        return (T) this;
    }

    default T setFeaturesCol(String value) {
        return with(featuresCol(), value);
    }

    default T setInputCols(String... value) {
        return with(inputCols(), value.clone());
    }

    default T setLogProbCol(String value) {
        return with(logProbCol(), value);
    }

    default T setPredictionCol(String value) {
        return with(predictionCol(), value);
    }

    default T setPValueCol(String value) {
        return with(pValueCol(), value);
    }

    default T setExplanationCol(String value) {
        return with(explanationCol(), value);
    }

    default T setExplainFeatures(int value) {
        return with(explainFeatures(), value);
    }

    default T setThreshold(double value) {
        return with(threshold(), value);
    }

    /** Removes the absolute threshold, so that a detector derives it from contamination. */
    @SuppressWarnings("unchecked")
    default T clearThreshold() {
        clear(threshold());
        return (T) this;
    }

    default T setContamination(double value) {
        return with(contamination(), value);
    }

    default T setContaminationError(double value) {
        return with(contaminationError(), value);
    }

    default T setNumLayers(int value) {
        return with(numLayers(), value);
    }

    default T setHiddenFeatures(int value) {
        return with(hiddenFeatures(), value);
    }

    default T setNumBlocks(int value) {
        return with(numBlocks(), value);
    }

    default T setMaxEpochs(int value) {
        return with(maxEpochs(), value);
    }

    default T setBatchSizePerWorker(int value) {
        return with(batchSizePerWorker(), value);
    }

    default T setAveragingFrequency(int value) {
        return with(averagingFrequency(), value);
    }

    default T setLearningRate(double value) {
        return with(learningRate(), value);
    }

    default T setValidationFraction(double value) {
        return with(validationFraction(), value);
    }

    default T setEarlyStoppingPatience(int value) {
        return with(earlyStoppingPatience(), value);
    }

    default T setSeed(long value) {
        return with(seed(), value);
    }

    default T setNumWorkers(int value) {
        return with(numWorkers(), value);
    }

    default T setClipNorm(double value) {
        return with(clipNorm(), value);
    }

    default T setCheckpointDir(String value) {
        return with(checkpointDir(), value);
    }
}
