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

    /** Records {@code score} of {@code epoch} (1-based) and decides. */
    public Decision offer(int epoch, double score) {
        if (!Double.isFinite(score)) {
            stopReason = "loss not finite at epoch " + epoch + ": kept epoch " + bestEpoch;
            diverged = true;
            return Decision.STOP;
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

    /** The best epoch so far (0 before any finite score). */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** Whether training stopped on a non-finite loss. */
    public boolean diverged() {
        return diverged;
    }

    /** Logs why training stops: a warning when it diverged. */
    public void log(org.slf4j.Logger log) {
        if (diverged) {
            log.warn("training diverged: {}", stopReason);
        } else {
            log.info("stopping: {}", stopReason);
        }
    }

    /** Why training stopped (or will, at {@code maxEpochs}). */
    public String stopReason() {
        return stopReason;
    }
}
