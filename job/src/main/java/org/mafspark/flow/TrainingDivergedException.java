package org.mafspark.flow;

/**
 * Training diverged (a non-finite loss) before any epoch ended with a finite score, so there is no
 * model to keep. When an earlier epoch was finite the trainers return it instead and say so in
 * {@link TrainingResult#stopReason()}.
 */
public final class TrainingDivergedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public TrainingDivergedException(String message) {
        super(message);
    }
}
