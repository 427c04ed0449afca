package org.mafspark.flow;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMax;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.same.Sign;
import org.nd4j.linalg.factory.Nd4j;

/**
 * MADE conditioner (Germain et al. 2015) with residual blocks, as nflows builds it: a masked input
 * layer {@code D -> H}, {@code blocks} residual blocks {@code h + W2 relu(W1 relu(h))}, and a masked
 * output layer {@code H -> 2D} without a preceding activation.
 *
 * <p>Every pass multiplies the weights by their masks ({@code W * M}), so the function computed is
 * autoregressive whatever values the parameters hold, and the gradient of a masked entry is exactly
 * 0 (which DL4J's gradient check verifies for every parameter). Masked entries are also zeroed at
 * initialisation ({@link #applyMasks}) so stored models carry no dead values. Forward and backward
 * are written by hand because SameDiff gradients are wrong in DL4J 1.0.0-M2 when a variable has two
 * consumers.
 */
public final class Made {
    private final MadeLayout layout;
    private final INDArray maskIn;
    private final INDArray maskHidden;
    private final INDArray maskOut;
    /** Every parameter's mask in storage order ({@code 1} for biases), as a {@code [1, numParams]} row. */
    private final INDArray flatMask;

    public Made(MadeLayout layout, DataType dataType) {
        NativeThreads.ensureConfigured();
        this.layout = layout;
        int d = layout.features();
        int h = layout.hidden();
        int[] in = MadeDegrees.input(d);
        int[] hid = MadeDegrees.hidden(h, d);
        int[] out = MadeDegrees.output(d, 2);
        double[][] mIn = MadeDegrees.mask(in, hid, false);
        double[][] mHidden = MadeDegrees.mask(hid, hid, false);
        double[][] mOut = MadeDegrees.mask(hid, out, true);
        // Masks outlive any workspace the constructor may be called in.
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            // Column-major like the weight views they multiply: same-order operands take libnd4j's fast path.
            this.maskIn = Nd4j.create(mIn).castTo(dataType).dup('f');
            this.maskHidden = Nd4j.create(mHidden).castTo(dataType).dup('f');
            this.maskOut = Nd4j.create(mOut).castTo(dataType).dup('f');
            this.flatMask = flatMask(layout, mIn, mHidden, mOut, dataType);
        }
    }

    public MadeLayout layout() {
        return layout;
    }

    /** The mask of parameter {@code key}, or null for a bias. */
    public INDArray mask(String key) {
        return byKey(key, maskIn, maskHidden, maskOut);
    }

    /** Which of the three masks parameter {@code key} uses; null for a bias. */
    private static <T> T byKey(String key, T in, T hidden, T out) {
        if (MadeLayout.isBias(key)) {
            return null;
        }
        if (key.equals(MadeLayout.W_IN)) {
            return in;
        }
        if (key.equals(MadeLayout.W_OUT)) {
            return out;
        }
        return hidden;
    }

    /**
     * The masks laid out as {@link MadeLayout#views} lays out the parameters (column-major weights),
     * from the Java arrays: reading the ND4J masks element by element took ~1.5 ms per conditioner.
     */
    private static INDArray flatMask(MadeLayout layout, double[][] in, double[][] hidden, double[][] out,
            DataType dataType) {
        double[] flat = new double[(int) layout.numParams()];
        int at = 0;
        for (String key : layout.keys()) {
            long[] shape = layout.shape(key);
            double[][] m = byKey(key, in, hidden, out);
            for (int c = 0; c < shape[1]; c++) {
                for (int r = 0; r < shape[0]; r++) {
                    flat[at++] = m == null ? 1.0 : m[r][c];
                }
            }
        }
        return Nd4j.create(flat, new long[] {1, flat.length}, 'c').castTo(dataType);
    }

    /**
     * Zeroes the gradient of every masked weight in one pass over the layer's flat gradient
     * ({@code [1, numParams]}, storage order): {@link #backward} leaves them unmasked, since one op
     * here replaces one per weight (~15 us each).
     */
    public void maskGradients(INDArray flatGradients) {
        INDArray g = flatGradients.rank() == 2 ? flatGradients : flatGradients.reshape(1, flatGradients.length());
        Nd4j.getExecutioner().exec(new MulOp(g, flatMask, g));
    }

    /** Every parameter's mask in storage order ({@code 1} for biases), {@code [1, numParams]}; read it, never write it. */
    INDArray flatMask() {
        return flatMask;
    }

    /** Zeroes the masked entries of every weight in {@code params} (in place). */
    public void applyMasks(Map<String, INDArray> params) {
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray m = mask(e.getKey());
            if (m != null) {
                e.getValue().muli(m);
            }
        }
    }

    /** Intermediate values of one forward pass, kept for the backward pass. */
    public static final class Cache {
        INDArray input;
        INDArray wIn;
        INDArray wOut;
        INDArray last;
        final List<INDArray[]> blocks = new ArrayList<>();
        /** Where the pass's arrays come from; null: new arrays in the current workspace. */
        ScratchArrays scratch;

        /** The input this cache was computed for. */
        public INDArray input() {
            return input;
        }
    }

    /**
     * Conditioner outputs {@code [N, 2D]}: columns {@code 0..D-1} are the shifts, {@code D..2D-1}
     * the unconstrained scales. Output column {@code i} (and {@code D+i}) depends on inputs
     * {@code 0..i-1} only.
     *
     * @param cache filled for {@link #backward} when not null
     */
    public INDArray forward(Map<String, INDArray> p, INDArray y, Cache cache) {
        ScratchArrays s = cache == null ? null : cache.scratch;
        INDArray wIn = masked(p.get(MadeLayout.W_IN), maskIn, s);
        INDArray h = affine(y, wIn, p.get(MadeLayout.B_IN), s);
        if (cache != null) {
            cache.input = y;
            cache.wIn = wIn;
            cache.blocks.clear();
        }
        for (int b = 0; b < layout.blocks(); b++) {
            INDArray w1 = masked(p.get(MadeLayout.blockWeight(b, 1)), maskHidden, s);
            INDArray w2 = masked(p.get(MadeLayout.blockWeight(b, 2)), maskHidden, s);
            INDArray a1 = relu(h, s);
            INDArray a2 = affine(a1, w1, p.get(MadeLayout.blockBias(b, 1)), s);
            relu(a2, a2);
            if (cache != null) {
                cache.blocks.add(new INDArray[] {a1, a2, w1, w2});
            }
            // h += b2 + a2 w2, in place: h itself is not needed again (its ReLU a1 is kept).
            Gemm.addRows(p.get(MadeLayout.blockBias(b, 2)), h, 1.0);
            Gemm.gemm(a2, false, w2, false, h, 1.0, 1.0);
        }
        INDArray wOut = masked(p.get(MadeLayout.W_OUT), maskOut, s);
        if (cache != null) {
            cache.wOut = wOut;
            cache.last = h;
        }
        return affine(h, wOut, p.get(MadeLayout.B_OUT), s);
    }

    /**
     * Back-propagates {@code gOut = dL/d(outputs)} through the conditioner: writes the parameter
     * gradients into {@code grads} and returns {@code dL/dy}. The weight gradients are those of the
     * unmasked product: {@link #maskGradients} must zero the masked entries before they are used.
     */
    public INDArray backward(Cache c, INDArray gOut, Map<String, INDArray> grads) {
        ScratchArrays s = c.scratch;
        weightGrad(c.last, gOut, grads.get(MadeLayout.W_OUT));
        Gemm.columnSums(gOut, grads.get(MadeLayout.B_OUT));
        INDArray gh = matmul(gOut, c.wOut, true, s);
        for (int b = layout.blocks() - 1; b >= 0; b--) {
            INDArray[] blk = c.blocks.get(b);
            INDArray a1 = blk[0];
            INDArray a2 = blk[1];
            weightGrad(a2, gh, grads.get(MadeLayout.blockWeight(b, 2)));
            Gemm.columnSums(gh, grads.get(MadeLayout.blockBias(b, 2)));
            // relu'(z) is 1 exactly where relu(z) > 0: the ReLU outputs a2, a1 select the gradient.
            INDArray gz1 = reluBackward(a2, matmul(gh, blk[3], true, s), s);
            weightGrad(a1, gz1, grads.get(MadeLayout.blockWeight(b, 1)));
            Gemm.columnSums(gz1, grads.get(MadeLayout.blockBias(b, 1)));
            INDArray ga1 = reluBackward(a1, matmul(gz1, blk[2], true, s), s);
            Gemm.addTo(ga1, gh);
        }
        weightGrad(c.input, gh, grads.get(MadeLayout.W_IN));
        Gemm.columnSums(gh, grads.get(MadeLayout.B_IN));
        return matmul(gh, c.wIn, true, s);
    }

    /** {@code a * w} (or {@code a * w^T}) into a new column-major array (from {@code s} when not null). */
    static INDArray matmul(INDArray a, INDArray w, boolean transposeW, ScratchArrays s) {
        long cols = transposeW ? w.rows() : w.columns();
        INDArray out = ScratchArrays.create(s, a.dataType(), a.rows(), cols, 'f');
        Gemm.gemm(a, false, w, transposeW, out, 1.0, 0.0);
        return out;
    }

    /** {@code a * w + bias} (bias on every row) into a new column-major array (from {@code s} when not null). */
    static INDArray affine(INDArray a, INDArray w, INDArray bias, ScratchArrays s) {
        INDArray out = ScratchArrays.create(s, a.dataType(), a.rows(), w.columns(), 'f');
        Gemm.affine(a, w, bias, out);
        return out;
    }

    /** {@code w * mask} into a new array (from {@code s} when not null): the weights the conditioner actually uses. */
    static INDArray masked(INDArray w, INDArray mask, ScratchArrays s) {
        INDArray out = ScratchArrays.create(s, w.dataType(), w.rows(), w.columns(), w.ordering());
        if (!HostArrays.multiply(w, mask, out)) {
            Nd4j.getExecutioner().exec(new MulOp(w, mask, out));
        }
        return out;
    }

    /** {@code max(h, 0)} into a new column-major array (from {@code s} when not null), in one pass over {@code h}. */
    static INDArray relu(INDArray h, ScratchArrays s) {
        INDArray out = ScratchArrays.create(s, h.dataType(), h.rows(), h.columns(), 'f');
        relu(h, out);
        return out;
    }

    /**
     * {@code out = max(h, 0)} ({@code out} may be {@code h}), as libnd4j's scalar maximum: the same
     * values as its {@code RectifiedLinear} op for finite inputs, in 8.5-10.2 us at 256 x 64 and
     * 24-36 at 2,048 x 64 against 9.6-15.7 and 32-50 (one thread, measured).
     */
    static void relu(INDArray h, INDArray out) {
        Nd4j.getExecutioner().exec(new ScalarMax(h, null, out, 0.0));
    }

    /**
     * {@code grad * (activation > 0)}, in place in {@code grad}. A ReLU output is 0 or positive, so
     * its sign is exactly the 0/1 derivative; two legacy ops cost 17 us at 512 x 64 where libnd4j's
     * {@code ThresholdReluBp} custom op took 340 us (measured, one thread).
     */
    static INDArray reluBackward(INDArray activation, INDArray grad, ScratchArrays s) {
        INDArray derivative = ScratchArrays.create(s, activation.dataType(), activation.rows(), activation.columns(),
                activation.ordering());
        Nd4j.getExecutioner().exec(new Sign(activation, derivative));
        Nd4j.getExecutioner().exec(new MulOp(grad, derivative, grad));
        return grad;
    }

    /** {@code target = in^T delta}, straight into the gradient view (masked later, see {@link #maskGradients}). */
    private static void weightGrad(INDArray in, INDArray delta, INDArray target) {
        Gemm.gemm(in, true, delta, false, target, 1.0, 0.0);
    }
}
