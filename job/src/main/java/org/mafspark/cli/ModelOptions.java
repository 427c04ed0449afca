package org.mafspark.cli;

import org.mafspark.spark.MafOutlierDetector;
import picocli.CommandLine.Option;

/**
 * The detector's settings on the command line. Unset options keep the detector's defaults
 * (see {@link MafOutlierDetector}), so that one place defines them.
 */
public final class ModelOptions {
    @Option(names = "--layers", paramLabel = "N", description = "Autoregressive transforms (default 5).")
    Integer layers;

    @Option(names = "--hidden", paramLabel = "N", description = "Hidden units per MADE layer (default 64).")
    Integer hidden;

    @Option(names = "--blocks", paramLabel = "N", description = "Residual blocks per MADE (default 2).")
    Integer blocks;

    @Option(names = "--epochs", paramLabel = "N", description = "Maximum training epochs.")
    Integer epochs;

    @Option(names = "--batch-size-per-worker", paramLabel = "N", description = "Minibatch rows per worker.")
    Integer batchSizePerWorker;

    @Option(names = "--averaging-frequency", paramLabel = "N",
            description = "Minibatches each worker fits between parameter averages.")
    Integer averagingFrequency;

    @Option(names = "--learning-rate", paramLabel = "LR", description = "Adam's learning rate.")
    Double learningRate;

    @Option(names = "--validation-fraction", paramLabel = "F", description = "Rows held out for early stopping.")
    Double validationFraction;

    @Option(names = "--patience", paramLabel = "N", description = "Epochs without improvement before stopping.")
    Integer patience;

    @Option(names = "--workers", paramLabel = "N", description = "Parameter-averaging workers (default: "
            + "Spark's default parallelism).")
    Integer workers;

    @Option(names = "--contamination", paramLabel = "F",
            description = "Expected share of anomalies: the threshold is this quantile of the training log p.")
    Double contamination;

    @Option(names = "--threshold", paramLabel = "ALPHA",
            description = "Absolute threshold: flag rows with log p <= ALPHA (overrides --contamination).")
    Double threshold;

    @Option(names = "--seed", paramLabel = "SEED", description = "Seed of the split, initialisation and shuffling.")
    Long seed;

    @Option(names = "--clip-norm", paramLabel = "C",
            description = "Bound each layer's gradient L2 norm by C (a remedy for diverging training; 0 = off).")
    Double clipNorm;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "Write a training checkpoint to DIR after "
            + "every epoch; rerunning with the same DIR resumes after the last complete epoch.")
    String checkpointDir;

    /** Applies every option that was given to {@code d}. */
    MafOutlierDetector apply(MafOutlierDetector d) {
        if (layers != null) {
            d.setNumLayers(layers);
        }
        if (hidden != null) {
            d.setHiddenFeatures(hidden);
        }
        if (blocks != null) {
            d.setNumBlocks(blocks);
        }
        if (epochs != null) {
            d.setMaxEpochs(epochs);
        }
        if (batchSizePerWorker != null) {
            d.setBatchSizePerWorker(batchSizePerWorker);
        }
        if (averagingFrequency != null) {
            d.setAveragingFrequency(averagingFrequency);
        }
        if (learningRate != null) {
            d.setLearningRate(learningRate);
        }
        if (validationFraction != null) {
            d.setValidationFraction(validationFraction);
        }
        if (patience != null) {
            d.setEarlyStoppingPatience(patience);
        }
        if (workers != null) {
            d.setNumWorkers(workers);
        }
        if (contamination != null) {
            d.setContamination(contamination);
        }
        if (threshold != null) {
            d.setThreshold(threshold);
        }
        if (seed != null) {
            d.setSeed(seed);
        }
        if (clipNorm != null) {
            d.setClipNorm(clipNorm);
        }
        if (checkpointDir != null) {
            d.setCheckpointDir(checkpointDir);
        }
        return d;
    }
}
