package org.mafspark.flow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One affine transform's training step split by rows: the minibatch's rows in equal shares, each
 * share's forward and backward pass on a thread of its own ({@link SpinningWorkers}, one BLAS thread
 * each), the shares' parameter gradients summed. The loss is a mean over the minibatch whose
 * {@code 1/N} is already in the incoming gradient, so the sum is the minibatch's gradient.
 *
 * <p>Why: training runs its products on one BLAS thread (a minibatch's products are too small for
 * OpenBLAS to split well, see {@link NativeThreads#withOneBlasThread}), which left the second core
 * idle for the whole step; rows split with no coordination but one join per pass.
 *
 * <p>Each share keeps its arrays from step to step ({@link ScratchArrays}) and, after the first,
 * its own gradient buffer. One instance per layer; a pass at a time.
 */
public final class StepShares {
    /** Fewer rows per share than this run whole: the join costs more than the second thread saves. */
    static final int MIN_SHARE_ROWS = 128;
    private static volatile int minShareRows = MIN_SHARE_ROWS;

    private final int threads;
    private final ScratchArrays[] scratch;
    private final MaskedAffineTransform.Cache[] caches;
    /** Flat gradient buffers of shares 1.. (share 0 writes the layer's own) and their per-key views. */
    private final INDArray[] grads;
    /** {@link #grads} without share 0's slot: what is added to the layer's gradient. */
    private final INDArray[] addends;
    private final List<Map<String, INDArray>> gradViews = new ArrayList<>();
    private int rows;
    private int shareRows;

    public StepShares(int threads, MadeLayout layout, DataType dataType) {
        this.threads = threads;
        this.scratch = new ScratchArrays[threads];
        this.caches = new MaskedAffineTransform.Cache[threads];
        this.grads = new INDArray[threads];
        this.addends = new INDArray[threads - 1];
        gradViews.add(null);
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (int k = 0; k < threads; k++) {
                scratch[k] = new ScratchArrays();
                if (k > 0) {
                    grads[k] = Nd4j.createUninitialized(dataType, new long[] {1, layout.numParams()}, 'c');
                    addends[k - 1] = grads[k];
                    gradViews.add(layout.views(grads[k]));
                }
            }
        }
    }

    /** The shares a step of {@code rows} rows splits into: 1 (run it whole) for small minibatches. */
    public static int threadsFor(long rows) {
        return (int) Math.max(1, Math.min(NativeThreads.rowThreads(), rows / minShareRows));
    }

    /** Sets the minimum rows per share (tests split small minibatches with it); returns the previous value. */
    static int minShareRows(int rows) {
        int before = minShareRows;
        minShareRows = rows;
        return before;
    }

    public int threads() {
        return threads;
    }

    /**
     * Frees every array this instance holds, now rather than when the garbage collector gets to
     * them (they live outside workspaces), and returns their bytes. Not usable afterwards.
     */
    public long release() {
        long bytes = 0;
        for (int k = 0; k < threads; k++) {
            bytes += scratch[k].release();
            caches[k] = null;
            if (grads[k] != null) {
                bytes += grads[k].length() * grads[k].dataType().width();
                if (grads[k].closeable()) {
                    grads[k].close();
                }
                grads[k] = null;
            }
        }
        Arrays.fill(addends, null);
        gradViews.clear();
        return bytes;
    }

    /** Shares of the current minibatch (fewer than {@link #threads} when it has fewer rows than that). */
    private int shares() {
        return (rows + shareRows - 1) / shareRows;
    }

    private int from(int share) {
        return share * shareRows;
    }

    private int to(int share) {
        return Math.min(rows, (share + 1) * shareRows);
    }

    /**
     * The transform's training forward pass on {@code state} ({@code [N, D+1]}), share by share;
     * the result is allocated in the caller's workspace, each share's intermediates in its
     * {@link ScratchArrays} for {@link #backward}.
     */
    public INDArray forward(MaskedAffineTransform transform, INDArray state) {
        rows = Math.toIntExact(state.rows());
        shareRows = (rows + threads - 1) / threads;
        INDArray next = Nd4j.createUninitialized(state.dataType(), state.shape(), 'c');
        SpinningWorkers.run(shares(), k -> {
            scratch[k].reset();
            caches[k] = new MaskedAffineTransform.Cache(scratch[k]);
            transform.forwardState(state, from(k), to(k), caches[k], next);
        });
        return next;
    }

    /**
     * The backward pass of the last {@link #forward}: the minibatch's parameter gradients into
     * {@code views} (the per-key views of {@code flat}, which the first share fills and the others'
     * gradients are added to), masked ({@link Made#maskGradients} need not run again), and
     * {@code dL/d(state)} returned (allocated in the caller's workspace).
     */
    public INDArray backward(MaskedAffineTransform transform, INDArray epsilon, Map<String, INDArray> views,
            INDArray flat) {
        if (epsilon.rows() != rows) {
            throw new IllegalStateException("backward pass of " + epsilon.rows() + " rows after a forward pass of "
                    + rows);
        }
        INDArray out = Nd4j.createUninitialized(epsilon.dataType(), epsilon.shape(), 'c');
        int shares = shares();
        SpinningWorkers.run(shares, k -> transform.backwardState(caches[k], epsilon, from(k), to(k),
                k == 0 ? views : gradViews.get(k), out));
        // The shares' gradients summed into the layer's and masked, in parts side by side.
        INDArray mask = transform.made().flatMask();
        int n = Math.toIntExact(flat.length());
        SpinningWorkers.run(shares, p -> HostArrays.sumAndMask(flat, addends, shares - 1, mask,
                (int) ((long) n * p / shares), (int) ((long) n * (p + 1) / shares)));
        return out;
    }
}
