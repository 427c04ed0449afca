package org.mafspark.flow;

import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One masked affine autoregressive transform: {@code u_i = x_i * scale_i(x_<i) + shift_i(x_<i)},
 * with shift and scale from a {@link Made} conditioner, as nflows'
 * {@code MaskedAffineAutoregressiveTransform}.
 *
 * <p>Scale is {@code softplus(s) + 1e-3} rather than the seed notebook's {@code exp(alpha)}: it is
 * bounded below (log-scale >= log 1e-3, so no density spike from a collapsing scale) and grows
 * only linearly in {@code s}, so no finite conditioner output overflows it; {@code exp} overflows
 * in float for {@code alpha > 88}. Softplus is evaluated as {@code max(s,0) + log(1 + exp(-|s|))},
 * which is finite for every finite {@code s} (ND4J's own softplus computes {@code log(1+exp(s))}
 * and overflows). The log-determinant is {@code sum_i log(scale_i)}.
 */
public final class MaskedAffineTransform implements Transform {
    /** Lower bound of every scale. */
    public static final double MIN_SCALE = 1e-3;

    private final Made made;
    private final Map<String, INDArray> params;
    /** The conditioner frozen for inference, or null to run {@link Made#forward} on {@link #params}. */
    private final MadeInference frozen;
    /** The frozen transform's heap arrays (null when not frozen). */
    private final HeapBlock heap;

    /** Binds the conditioner's math to a set of parameter views. */
    public MaskedAffineTransform(Made made, Map<String, INDArray> params) {
        this(made, params, null);
    }

    private MaskedAffineTransform(Made made, Map<String, INDArray> params, MadeInference frozen) {
        this.made = made;
        this.params = params;
        this.frozen = frozen;
        this.heap = frozen == null ? null : new HeapBlock(frozen.blockRows(), made.layout().features());
    }

    public Made made() {
        return made;
    }

    /**
     * This transform on a snapshot of its parameters, for inference in blocks of at most
     * {@code blockRows} rows by one thread ({@link MadeInference}): {@link #forward} and
     * {@link #inverse} then take at most that many rows.
     */
    public MaskedAffineTransform forInference(int blockRows) {
        return new MaskedAffineTransform(made, params, new MadeInference(made, params, blockRows));
    }

    /** The conditioner's outputs {@code [N, 2D]} for {@code x} (no cache: inference). */
    private INDArray conditioner(INDArray x) {
        return frozen != null ? frozen.forward(x) : made.forward(params, x, null);
    }

    /** Intermediate values of a {@link #forwardState} for {@link #backwardState} (row-major, on the heap). */
    public static final class Cache {
        final Made.Cache made = new Made.Cache();

        public Cache() {}

        /** A cache whose pass takes its arrays from {@code scratch} ({@link ScratchArrays#reset} first). */
        public Cache(ScratchArrays scratch) {
            made.scratch = scratch;
        }

        /** The input state {@code [N, D+1]}, row by row. */
        double[] x;
        double[] scale;
        /** {@code d scale / d raw = sigmoid(raw)}. */
        double[] slope;

        public INDArray input() {
            return made.input();
        }
    }

    @Override
    public Result forward(INDArray x) {
        int d = made.layout().features();
        int n = (int) x.rows();
        INDArray o = conditioner(x);
        INDArray u = Nd4j.createUninitialized(x.dataType(), new long[] {n, d}, 'c');
        INDArray logDet = Nd4j.createUninitialized(x.dataType(), new long[] {n, 1}, 'c');
        if (frozen != null) {
            forwardRows(x, o, u, logDet, 0, n, heap);
        } else {
            RowBlocks.run(n, blockRows(n, null),
                    (from, to) -> forwardRows(x, o, u, logDet, from, to, new HeapBlock(to - from, d)));
        }
        return new Result(u, logDet);
    }

    /** {@link #forward} of rows {@code from..to-1} given their conditioner outputs {@code o}. */
    private void forwardRows(INDArray x, INDArray o, INDArray u, INDArray logDet, int from, int to, HeapBlock b) {
        int d = made.layout().features();
        int m = to - from;
        HostArrays.read(x, from, to, b.x);
        HostArrays.readColumns(o, from, to, b.o);
        Arrays.fill(b.logDet, 0, m, 0);
        rows(b.o, b.x, d, b.u, d, b.logDet, 1, 0, m, null);
        HostArrays.write(b.u, u, from, to);
        HostArrays.write(b.logDet, logDet, from, to);
    }

    /**
     * Heap arrays for the elementwise pass over a block of rows: new per block, or the frozen
     * transform's own, reused block after block by its one thread (fresh ones came to ~86 MB of
     * garbage per 64k-row {@code logProb}: 33 doubles per row and layer).
     */
    private static final class HeapBlock {
        final double[] x;
        final double[] u;
        final double[] logDet;
        final double[] o;

        HeapBlock(int rows, int d) {
            x = new double[rows * d];
            u = new double[rows * d];
            logDet = new double[rows];
            o = new double[rows * 2 * d];
        }
    }

    /**
     * The transform on a flow state {@code [N, D+1]}: features in columns {@code 0..D-1}, the
     * log-determinant so far in column {@code D}. Returns the next state (features transformed, this
     * transform's log-determinant added) as a new row-major array: one read and one write of the
     * state, where views, an assignment and the arithmetic used to cost a dozen ND4J ops.
     */
    public INDArray forwardState(INDArray state, Cache cache) {
        int d = made.layout().features();
        int n = (int) state.rows();
        INDArray next = Nd4j.createUninitialized(state.dataType(), new long[] {n, d + 1L}, 'c');
        forwardState(state, 0, n, cache, next);
        return next;
    }

    /**
     * {@link #forwardState(INDArray, Cache)} of rows {@code first..last-1} of {@code state} into the
     * same rows of {@code next} ({@code [N, D+1]}, row-major): a training step's share of the
     * minibatch, which may run beside the other shares on threads of their own.
     */
    public void forwardState(INDArray state, int first, int last, Cache cache, INDArray next) {
        int d = made.layout().features();
        int n = last - first;
        INDArray rows = first == 0 && last == state.rows() ? state
                : state.get(NDArrayIndex.interval(first, last), NDArrayIndex.all());
        INDArray o = made.forward(params, features(rows, d), cache == null ? null : cache.made);
        RowBlocks.run(n, blockRows(n, cache), (from, to) -> {
            int m = to - from;
            double[] in = new double[m * (d + 1)];
            double[] os = new double[m * 2 * d];
            HostArrays.read(state, first + from, first + to, in);
            HostArrays.readColumns(o, from, to, os);
            double[] out = in.clone();
            rows(os, in, d + 1, out, d + 1, out, d + 1, d, m, cache);
            HostArrays.write(out, next, first + from, first + to);
        });
    }

    /**
     * Rows per block of the elementwise pass ({@link RowBlocks}): all of them when a cache keeps the
     * inputs for the backward pass (training minibatches), else blocks whose heap arrays stay in the
     * CPU's cache.
     */
    private static int blockRows(int n, Cache cache) {
        return cache != null ? Math.max(n, 1) : Math.max(1, Math.min(n, BLOCK_ROWS));
    }

    /** Rows per block of inference passes: ~200 KB of heap arrays at 8 features. */
    private static final int BLOCK_ROWS = 1024;

    /**
     * The elementwise pass over a block of {@code m} rows: conditioner outputs {@code o} column by
     * column ({@link HostArrays#readColumns}), inputs {@code x(i, j) = xs[i * sx + j]}; writes
     * {@code u(i, j)} to {@code u[i * su + j]} and adds row {@code i}'s log-determinant to
     * {@code logDet[i * sl + ol]}. A cache (whole-batch block of a state) keeps what the backward
     * pass needs.
     */
    private void rows(double[] o, double[] xs, int sx, double[] u, int su, double[] logDet, int sl, int ol,
            int m, Cache cache) {
        int d = made.layout().features();
        double[] scale = null;
        double[] slope = null;
        if (cache != null) {
            scale = cache.scale = new double[m * d];
            slope = cache.slope = new double[m * d];
            cache.x = xs;
        }
        for (int i = 0; i < m; i++) {
            double product = 1;
            double sum = 0;
            for (int j = 0; j < d; j++) {
                double raw = o[(d + j) * m + i];
                double e = Math.exp(-Math.abs(raw));
                double sc = scale(raw, e);
                u[i * su + j] = xs[i * sx + j] * sc + o[j * m + i];
                // sum of log(scale) as the log of a product: one log per row, not per element
                // (a quarter of the pass's time); folded whenever it could leave double's range.
                if (sc > 1e100) {
                    sum += Math.log(sc);
                } else {
                    product *= sc;
                    if (product > 1e200 || product < 1e-200) {
                        sum += Math.log(product);
                        product = 1;
                    }
                }
                if (cache != null) {
                    scale[i * d + j] = sc;
                    slope[i * d + j] = raw >= 0 ? 1 / (1 + e) : e / (1 + e);
                }
            }
            logDet[i * sl + ol] += sum + Math.log(product);
        }
    }

    /**
     * The backward pass of {@link #forwardState}: {@code epsilon [N, D+1]} holds {@code dL/du} and
     * {@code dL/d(logDet)}; writes parameter gradients into {@code grads} and returns
     * {@code [dL/dx, dL/d(logDet)]} (the log-determinant passes through with its gradient unchanged)
     * as a new row-major array. The masked weights' entries are left for {@link Made#maskGradients}
     * to zero.
     */
    public INDArray backwardState(Cache c, INDArray epsilon, Map<String, INDArray> grads) {
        INDArray out = Nd4j.createUninitialized(epsilon.dataType(), epsilon.shape(), 'c');
        backwardState(c, epsilon, 0, (int) epsilon.rows(), grads, out);
        return out;
    }

    /**
     * {@link #backwardState(Cache, INDArray, Map)} of rows {@code first..last-1} (those of the
     * {@link #forwardState(INDArray, int, int, Cache, INDArray)} that filled {@code c}): their
     * parameter gradients into {@code grads}, their {@code dL/d(state)} into the same rows of
     * {@code out} ({@code [N, D+1]}, row-major).
     */
    public void backwardState(Cache c, INDArray epsilon, int first, int last, Map<String, INDArray> grads,
            INDArray out) {
        int d = made.layout().features();
        int w = d + 1;
        int n = last - first;
        double[] eps = new double[n * w];
        HostArrays.read(epsilon, first, last, eps);
        // Conditioner outputs' gradient: the shift's is gu, the raw scale's
        // (gu * x + gLogDet / scale) * d scale / d raw.
        double[] gOut = new double[n * 2 * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                int k = i * d + j;
                double gu = eps[i * w + j];
                gOut[i * 2 * d + j] = gu;
                gOut[i * 2 * d + d + j] = (gu * c.x[i * w + j] + eps[i * w + d] / c.scale[k]) * c.slope[k];
            }
        }
        INDArray gOutArray = ScratchArrays.create(c.made.scratch, epsilon.dataType(), n, 2L * d, 'c');
        HostArrays.write(gOut, gOutArray);
        double[] throughMade = HostArrays.read(made.backward(c.made, gOutArray, grads));
        // x also enters u directly: du/dx = scale. In place in eps, whose last column (the
        // log-determinant's gradient) passes through unchanged.
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                eps[i * w + j] = throughMade[i * d + j] + eps[i * w + j] * c.scale[i * d + j];
            }
        }
        HostArrays.write(eps, out, first, last);
    }

    /** The features view {@code [N, D]} of a flow state. */
    private static INDArray features(INDArray state, int d) {
        return state.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d));
    }

    /**
     * Inverse by the autoregressive recursion: {@code D} conditioner passes, after pass {@code k}
     * the first {@code k} columns are exact (column {@code k} only reads columns before it).
     */
    @Override
    public INDArray inverse(INDArray u) {
        int d = made.layout().features();
        int n = (int) u.rows();
        INDArray x = Nd4j.zeros(u.dataType(), u.rows(), d);
        for (int pass = 0; pass < d; pass++) {
            INDArray o = conditioner(x);
            if (frozen != null) {
                inverseRows(u, o, x, 0, n, heap);
            } else {
                RowBlocks.run(n, blockRows(n, null),
                        (from, to) -> inverseRows(u, o, x, from, to, new HeapBlock(to - from, d)));
            }
        }
        return x;
    }

    /** One pass of {@link #inverse} over rows {@code from..to-1}: {@code x = (u - shift) / scale}. */
    private void inverseRows(INDArray u, INDArray o, INDArray x, int from, int to, HeapBlock b) {
        int d = made.layout().features();
        int m = to - from;
        HostArrays.read(u, from, to, b.u);
        HostArrays.readColumns(o, from, to, b.o);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                double raw = b.o[(d + j) * m + i];
                b.x[i * d + j] = (b.u[i * d + j] - b.o[j * m + i]) / scale(raw, Math.exp(-Math.abs(raw)));
            }
        }
        HostArrays.write(b.x, x, from, to);
    }

    /** {@code softplus(raw) + MIN_SCALE}, finite for every finite input. */
    public static double scale(double raw) {
        return scale(raw, Math.exp(-Math.abs(raw)));
    }

    /**
     * {@code softplus(raw) + MIN_SCALE} given {@code e = exp(-|raw|)}: {@code max(raw, 0) + log(1 + e)}.
     * {@code log(1 + e)} instead of {@code log1p(e)}: its absolute error (1e-16) is far below the
     * {@code MIN_SCALE} added, and {@code Math.log} is a compiler intrinsic where {@code log1p} is not.
     */
    private static double scale(double raw, double e) {
        return Math.max(raw, 0) + Math.log(1 + e) + MIN_SCALE;
    }
}
