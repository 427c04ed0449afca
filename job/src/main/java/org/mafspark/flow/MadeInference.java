package org.mafspark.flow;

import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A {@link Made} conditioner frozen for inference over blocks of at most {@code blockRows} rows:
 * the same function as {@link Made#forward} on the parameters it was built from, computed into
 * buffers it owns and reuses block after block. One instance serves one thread.
 *
 * <p>Why: on whole batches every intermediate is a fresh array, so a layer's ReLUs and products
 * stream through main memory (16 MB per intermediate at 64k rows), and broadcasting a bias with a
 * rank-1 product into a cold array took 90 us per 2048 x 64 block, a quarter of the products' time
 * in a {@code logProb}. Here the buffers of a 2048-row block (~1.7 MB at hidden 64) stay in the
 * core's cache, the weights are masked once per snapshot, and the biases of the hidden and output
 * layers ride in the products: each activation buffer carries a last column of ones and each weight
 * matrix its bias as an extra row ({@code [a, 1] [W; b] = a W + b}), for one more multiply-add per
 * output.
 */
public final class MadeInference {
    private final int blockRows;
    private final INDArray wIn;
    private final INDArray bIn;
    /** Per residual block: {@code [W1; b1]} and {@code [W2; b2]}, {@code [H+1, H]}. */
    private final INDArray[][] blocks;
    /** {@code [Wout; bout]}, {@code [H+1, 2D]}. */
    private final INDArray wOut;
    /** Activations {@code [blockRows, H+1]}, column-major, the last column all ones. */
    private final INDArray h;
    private final INDArray a1;
    private final INDArray a2;
    /** Conditioner outputs {@code [blockRows, 2D]}, column-major. */
    private final INDArray out;
    /** The activation columns of {@link #h}, {@link #a1}, {@link #a2} (views without the ones). */
    private final INDArray hAct;
    private final INDArray a1Act;
    private final INDArray a2Act;

    /**
     * Snapshots {@code params} (masked weights, later updates of {@code params} not seen) and
     * allocates the buffers, all outside any workspace.
     */
    MadeInference(Made made, Map<String, INDArray> params, int blockRows) {
        MadeLayout layout = made.layout();
        this.blockRows = blockRows;
        int hidden = layout.hidden();
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            this.wIn = masked(made, params, MadeLayout.W_IN).dup('f');
            this.bIn = params.get(MadeLayout.B_IN).dup();
            this.blocks = new INDArray[layout.blocks()][];
            for (int b = 0; b < layout.blocks(); b++) {
                blocks[b] = new INDArray[] {withBias(made, params, MadeLayout.blockWeight(b, 1),
                        MadeLayout.blockBias(b, 1)), withBias(made, params, MadeLayout.blockWeight(b, 2),
                        MadeLayout.blockBias(b, 2))};
            }
            this.wOut = withBias(made, params, MadeLayout.W_OUT, MadeLayout.B_OUT);
            DataType type = wIn.dataType();
            this.h = withOnes(type, blockRows, hidden);
            this.a1 = withOnes(type, blockRows, hidden);
            this.a2 = withOnes(type, blockRows, hidden);
            this.out = Nd4j.createUninitialized(type, new long[] {blockRows, 2L * layout.features()}, 'f');
            this.hAct = columns(h, hidden);
            this.a1Act = columns(a1, hidden);
            this.a2Act = columns(a2, hidden);
        }
    }

    /** The rows one {@link #forward} takes at most. */
    public int blockRows() {
        return blockRows;
    }

    /**
     * Conditioner outputs {@code [N, 2D]} for {@code y [N, D]}, {@code N <= blockRows}, as in
     * {@link Made#forward}. The result is a view of this instance's buffer: read it before the next
     * call.
     */
    public INDArray forward(INDArray y) {
        int m = (int) y.rows();
        if (m > blockRows) {
            throw new IllegalArgumentException("a block of " + m + " rows, at most " + blockRows + " allowed");
        }
        INDArray hWithOnes = rows(h, m);
        INDArray a1WithOnes = rows(a1, m);
        INDArray a2WithOnes = rows(a2, m);
        INDArray hActs = rows(hAct, m);
        INDArray a1Acts = rows(a1Act, m);
        INDArray a2Acts = rows(a2Act, m);
        Gemm.affine(y, wIn, bIn, hActs);
        for (INDArray[] w : blocks) {
            Made.relu(hActs, a1Acts);
            // a2 = relu([a1, 1] [W1; b1]); h += [a2, 1] [W2; b2]
            Gemm.gemm(a1WithOnes, false, w[0], false, a2Acts, 1.0, 0.0);
            Made.relu(a2Acts, a2Acts);
            Gemm.gemm(a2WithOnes, false, w[1], false, hActs, 1.0, 1.0);
        }
        INDArray o = rows(out, m);
        Gemm.gemm(hWithOnes, false, wOut, false, o, 1.0, 0.0);
        return o;
    }

    /** The first {@code m} rows of a buffer (itself for a full block). */
    private INDArray rows(INDArray buffer, int m) {
        return m == blockRows ? buffer : buffer.get(NDArrayIndex.interval(0, m), NDArrayIndex.all());
    }

    /** The first {@code cols} columns of a buffer, a view. */
    private static INDArray columns(INDArray buffer, int cols) {
        return buffer.get(NDArrayIndex.all(), NDArrayIndex.interval(0, cols));
    }

    private static INDArray masked(Made made, Map<String, INDArray> params, String key) {
        return Made.masked(params.get(key), made.mask(key), null);
    }

    /** {@code [W * mask; bias]}: the weight masked, its bias as an extra last row, column-major. */
    private static INDArray withBias(Made made, Map<String, INDArray> params, String weight, String bias) {
        return Nd4j.vstack(masked(made, params, weight), params.get(bias)).dup('f');
    }

    /** A column-major {@code [rows, cols + 1]} buffer whose last column is all ones. */
    private static INDArray withOnes(DataType type, int rows, int cols) {
        INDArray b = Nd4j.createUninitialized(type, new long[] {rows, cols + 1L}, 'f').assign(0);
        b.getColumn(cols).assign(1);
        return b;
    }
}
