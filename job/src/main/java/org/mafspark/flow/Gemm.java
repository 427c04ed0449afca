package org.mafspark.flow;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Matrix products of the flow straight through the BLAS ND4J itself runs on ({@code cblas_sgemm} /
 * {@code cblas_dgemm} of its OpenBLAS, on the arrays' own buffers).
 *
 * <p>ND4J's entry points set up a libnd4j op around the same BLAS call: {@code Nd4j.gemm} costs
 * 15 us and the level-3 wrapper 11 us for a {@code 16 x 64 x 64} product that OpenBLAS does in
 * 1.3 us (measured, one thread), and a training step makes about 100 products, most of them small.
 * Arrays whose layout BLAS cannot take (no unit stride in either dimension, other data types) go
 * through {@code Nd4j.gemm} as before.
 */
final class Gemm {
    private static final int COL_MAJOR = 102;
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    /** Per data type, a column of ones at least as long as any batch seen (read-only, shared). */
    private static final ConcurrentMap<DataType, INDArray> ONES = new ConcurrentHashMap<>();

    private Gemm() {}

    /** {@code c = alpha op(a) op(b) + beta c}, where {@code op} transposes when asked. */
    static void gemm(INDArray a, boolean transA, INDArray b, boolean transB, INDArray c, double alpha,
            double beta) {
        DataType t = c.dataType();
        boolean blas = (t == DataType.FLOAT || t == DataType.DOUBLE) && a.dataType() == t && b.dataType() == t
                && a.rank() == 2 && b.rank() == 2 && c.rank() == 2
                && layout(a) != 0 && layout(b) != 0 && layout(c) != 0;
        if (!blas) {
            Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
            return;
        }
        long m = transA ? a.columns() : a.rows();
        long k = transA ? a.rows() : a.columns();
        long kb = transB ? b.columns() : b.rows();
        long n = transB ? b.rows() : b.columns();
        if (kb != k || c.rows() != m || c.columns() != n) {
            throw new IllegalArgumentException("gemm shapes do not match: " + Arrays.toString(a.shape())
                    + (transA ? "^T" : "") + " x " + Arrays.toString(b.shape()) + (transB ? "^T" : "")
                    + " -> " + Arrays.toString(c.shape()));
        }
        // BLAS takes one storage order for all three: that of c. An operand stored the other way
        // round is its own transpose in c's order.
        int order = layout(c);
        int ta = (layout(a) == order) == !transA ? NO_TRANS : TRANS;
        int tb = (layout(b) == order) == !transB ? NO_TRANS : TRANS;
        int cOrder = order == COL ? COL_MAJOR : ROW_MAJOR;
        if (t == DataType.FLOAT) {
            openblas_nolapack.cblas_sgemm(cOrder, ta, tb, (int) m, (int) n, (int) k, (float) alpha,
                    (FloatPointer) a.data().addressPointer(), ld(a), (FloatPointer) b.data().addressPointer(), ld(b),
                    (float) beta, (FloatPointer) c.data().addressPointer(), ld(c));
        } else {
            openblas_nolapack.cblas_dgemm(cOrder, ta, tb, (int) m, (int) n, (int) k, alpha,
                    (DoublePointer) a.data().addressPointer(), ld(a), (DoublePointer) b.data().addressPointer(), ld(b),
                    beta, (DoublePointer) c.data().addressPointer(), ld(c));
        }
    }

    /**
     * {@code c = a w + bias} (every row of {@code c} gets {@code bias}, a {@code [1, n]} row), as two
     * products: the bias broadcast as {@code ones [m, 1] x bias}, then {@code a w} accumulated onto
     * it. Saves the separate broadcast-add pass over {@code c} (25-36 us at 512 x 64, measured).
     */
    static void affine(INDArray a, INDArray w, INDArray bias, INDArray c) {
        addRows(bias, c, 0.0);
        gemm(a, false, w, false, c, 1.0, 1.0);
    }

    /** {@code c = beta c + bias} on every row of {@code c} ({@code bias} a {@code [1, n]} row). */
    static void addRows(INDArray bias, INDArray c, double beta) {
        // The column of ones is passed by pointer: a view of its first rows would cost more than the product.
        INDArray ones = ones(c.dataType(), c.rows());
        if (ones.length() == c.rows() || !blasCan(bias, c)) {
            gemm(ones.length() == c.rows() ? ones : ones.get(NDArrayIndex.interval(0, c.rows()), NDArrayIndex.all()),
                    false, bias, false, c, 1.0, beta);
            return;
        }
        int order = layout(c);
        int cOrder = order == COL ? COL_MAJOR : ROW_MAJOR;
        // ones [m, 1]: in column-major order its leading dimension is m, in row-major 1.
        int ldOnes = order == COL ? (int) Math.max(1, c.rows()) : 1;
        int tb = layout(bias) == order ? NO_TRANS : TRANS;
        int m = (int) c.rows();
        int n = (int) c.columns();
        if (c.dataType() == DataType.FLOAT) {
            openblas_nolapack.cblas_sgemm(cOrder, NO_TRANS, tb, m, n, 1, 1f, (FloatPointer) ones.data().addressPointer(),
                    ldOnes, (FloatPointer) bias.data().addressPointer(), ld(bias), (float) beta,
                    (FloatPointer) c.data().addressPointer(), ld(c));
        } else {
            openblas_nolapack.cblas_dgemm(cOrder, NO_TRANS, tb, m, n, 1, 1.0, (DoublePointer) ones.data().addressPointer(),
                    ldOnes, (DoublePointer) bias.data().addressPointer(), ld(bias), beta,
                    (DoublePointer) c.data().addressPointer(), ld(c));
        }
    }

    /** Whether {@code bias [1, n]} and {@code c [m, n]} go to BLAS directly. */
    private static boolean blasCan(INDArray bias, INDArray c) {
        DataType t = c.dataType();
        return (t == DataType.FLOAT || t == DataType.DOUBLE) && bias.dataType() == t && bias.rank() == 2
                && c.rank() == 2 && bias.rows() == 1 && bias.columns() == c.columns() && layout(bias) != 0
                && layout(c) != 0;
    }

    /** {@code target = ones^T delta}: the column sums of {@code delta} into a {@code [1, n]} row. */
    static void columnSums(INDArray delta, INDArray target) {
        DataType t = target.dataType();
        INDArray ones = ones(t, delta.rows());
        boolean blas = (t == DataType.FLOAT || t == DataType.DOUBLE) && delta.dataType() == t && delta.rank() == 2
                && target.rank() == 2 && target.rows() == 1 && target.columns() == delta.columns()
                && layout(delta) != 0 && layout(target) != 0;
        if (!blas) {
            gemm(onesColumn(t, delta.rows()), true, delta, false, target, 1.0, 0.0);
            return;
        }
        // [1, m] x [m, n] in target's order; the ones are a row of length m either way.
        int order = layout(target);
        int cOrder = order == COL ? COL_MAJOR : ROW_MAJOR;
        int td = layout(delta) == order ? NO_TRANS : TRANS;
        int m = (int) delta.rows();
        int n = (int) delta.columns();
        // ones as a [1, m] matrix: column-major leading dimension 1, row-major m.
        int ldOnes = order == COL ? 1 : Math.max(1, m);
        if (t == DataType.FLOAT) {
            openblas_nolapack.cblas_sgemm(cOrder, NO_TRANS, td, 1, n, m, 1f, (FloatPointer) ones.data().addressPointer(),
                    ldOnes, (FloatPointer) delta.data().addressPointer(), ld(delta), 0f,
                    (FloatPointer) target.data().addressPointer(), ld(target));
        } else {
            openblas_nolapack.cblas_dgemm(cOrder, NO_TRANS, td, 1, n, m, 1.0, (DoublePointer) ones.data().addressPointer(),
                    ldOnes, (DoublePointer) delta.data().addressPointer(), ld(delta), 0.0,
                    (DoublePointer) target.data().addressPointer(), ld(target));
        }
    }

    /** A column of ones at least {@code rows} long (shared: read it, never write it). */
    private static INDArray ones(DataType t, long rows) {
        INDArray ones = ONES.get(t);
        if (ones == null || ones.length() < rows) {
            // Shared across calls and threads: outside any caller's workspace. A thread still using
            // a shorter column keeps it alive; it is only replaced here.
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                INDArray grown = Nd4j.ones(t, Math.max(rows, 1024), 1);
                ONES.merge(t, grown, (old, nu) -> old.length() >= nu.length() ? old : nu);
                ones = ONES.get(t);
            }
        }
        return ones;
    }

    /** A {@code [rows, 1]} column of ones (a view of the shared column). */
    private static INDArray onesColumn(DataType t, long rows) {
        INDArray ones = ones(t, rows);
        return ones.length() == rows ? ones : ones.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all());
    }

    private static final int COL = 1;
    private static final int ROW = 2;

    /** {@link #COL} when BLAS can read {@code x} column-major, {@link #ROW} row-major, 0 neither. */
    private static int layout(INDArray x) {
        long r = x.rows();
        long c = x.columns();
        long s0 = x.stride(0);
        long s1 = x.stride(1);
        // A dimension of length 1 has no meaningful stride.
        if ((r == 1 || s0 == 1) && (c == 1 || s1 >= Math.max(1, r))) {
            return COL;
        }
        if ((c == 1 || s1 == 1) && (r == 1 || s0 >= Math.max(1, c))) {
            return ROW;
        }
        return 0;
    }

    /** The leading dimension BLAS needs for {@code x} in its {@link #layout}. */
    private static int ld(INDArray x) {
        if (layout(x) == COL) {
            return (int) (x.columns() == 1 ? Math.max(1, x.rows()) : x.stride(1));
        }
        return (int) (x.rows() == 1 ? Math.max(1, x.columns()) : x.stride(0));
    }
}
