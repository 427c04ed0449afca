package org.mafspark.flow;

/**
 * The epoch bookkeeping both trainers share: which epoch is best so far (lowest score: validation
 * NLL, or training NLL without validation), and whether to stop — after {@code patience} epochs
 * without a better score (0 never stops early), or at once when the score is not finite.
 */
public final class EarlyStopping {
    /** What to do after an epoch. */
    public enum Decision {
        /** A new best epoch: keep its parameters. */
        IMPROVED,
        /** Not better, keep training. */
        CONTINUE,
        /** Stop training (see {@link #stopReason()}). */
        STOP
    }

    private final int patience;
    private final int maxEpochs;
    private double bestScore = Double.POSITIVE_INFINITY;
    private int bestEpoch;
    private String stopReason;
    private boolean diverged;

    public EarlyStopping(int patience, int maxEpochs) {
        this.patience = patience;
        this.maxEpochs = maxEpochs;
        this.stopReason = "reached " + maxEpochs + " epochs";
    }

    /**
     * The bookkeeping of an interrupted run, from a checkpoint: {@code bestEpoch} (0 = none yet)
     * scored {@code bestScore}.
     */
    public static EarlyStopping resume(int patience, int maxEpochs, int bestEpoch, double bestScore) {
        EarlyStopping s = new EarlyStopping(patience, maxEpochs);
        s.bestEpoch = bestEpoch;
        s.bestScore = bestEpoch > 0 ? bestScore : Double.POSITIVE_INFINITY;
        return s;
    }

    /** Records {@code score} of {@code epoch} (1-based) and decides. */
    public Decision offer(int epoch, double score) {
        if (!Double.isFinite(score)) {
            return diverge(epoch, "the epoch's score (validation NLL, or training NLL without validation) is "
                    + score);
        }
        if (score < bestScore) {
            bestScore = score;
            bestEpoch = epoch;
            return Decision.IMPROVED;
        }
        if (patience > 0 && epoch - bestEpoch >= patience) {
            stopReason = "no better validation NLL for " + patience + " epochs";
            return Decision.STOP;
        }
        return Decision.CONTINUE;
    }

    /**
     * Training diverged during {@code epoch}: {@code what} went non-finite. Always {@link Decision#STOP};
     * the caller keeps the parameters of {@link #bestEpoch()} (or fails when it is 0, see
     * {@link #divergenceMessage(double)}).
     */
    public Decision diverge(int epoch, String what) {
        diverged = true;
        stopReason = "training diverged at epoch " + epoch + ": " + what + "; kept "
                + (bestEpoch > 0 ? "epoch " + bestEpoch + " (score " + String.format(java.util.Locale.ROOT, "%.4f",
                        bestScore) + ")" : "no epoch");
        return Decision.STOP;
    }

    /**
     * The message of a diverged run for the user: why it stopped, and what to change ({@code learningRate}
     * is the initial rate the run used).
     */
    public String divergenceMessage(double learningRate) {
        return stopReason + ". Lower the learning rate (it was " + learningRate
                + ") or enable gradient clipping (clipNorm)";
    }

    /**
     * What is not finite in an epoch's NLLs ("the training NLL is NaN"), or null when both are
     * finite; {@code validationNll} counts only {@code withValidation}.
     */
    public static String nonFinite(double trainNll, double validationNll, boolean withValidation) {
        if (!Double.isFinite(trainNll)) {
            return "the training NLL is " + trainNll;
        }
        if (withValidation && !Double.isFinite(validationNll)) {
            return "the validation NLL is " + validationNll;
        }
        return null;
    }

    /** The best score so far (+Inf before any finite score). */
    public double bestScore() {
        return bestScore;
    }

    /** The best epoch so far (0 before any finite score). */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** Whether training stopped on a non-finite loss. */
    public boolean diverged() {
        return diverged;
    }

    /**
     * Ends a run: logs why it stopped and returns the reason to report; after a divergence the reason
     * carries the advice of {@link #divergenceMessage(double)}.
     *
     * @throws TrainingDivergedException when training diverged before any finite epoch
     */
    public String finish(org.slf4j.Logger log, double learningRate) {
        if (!diverged) {
            log.info("stopping: {}", stopReason);
            return stopReason;
        }
        String message = divergenceMessage(learningRate);
        if (bestEpoch == 0) {
            throw new TrainingDivergedException(message);
        }
        log.warn(message);
        return message;
    }

    /** Why training stopped (or will, at {@code maxEpochs}). */
    public String stopReason() {
        return stopReason;
    }
}
