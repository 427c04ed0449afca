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
public final class Gemm {
    private static final int COL_MAJOR = 102;
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    /** Per data type, a column of ones at least as long as any batch seen (read-only, shared). */
    private static final ConcurrentMap<DataType, INDArray> ONES = new ConcurrentHashMap<>();

    private Gemm() {}

    /**
     * {@code c = alpha op(a) op(b) + beta c}, where {@code op} transposes when asked, on as many
     * BLAS threads as {@link NativeThreads#blasThreads()} allows.
     */
    public static void gemm(INDArray a, boolean transA, INDArray b, boolean transB, INDArray c, double alpha,
            double beta) {
        if (!direct(a, b, c)) {
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
        call(order, ta, tb, (int) m, (int) n, (int) k, alpha, a, ld(a), b, ld(b), beta, c, ld(c));
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
        if (!direct(bias, c) || bias.rows() != 1 || bias.columns() != c.columns()) {
            gemm(onesColumn(c.dataType(), c.rows()), false, bias, false, c, 1.0, beta);
            return;
        }
        // The column of ones is passed by pointer: a view of its first rows would cost more than the product.
        INDArray ones = ones(c.dataType(), c.rows());
        int order = layout(c);
        // ones [m, 1]: in column-major order its leading dimension is m, in row-major 1.
        int ldOnes = order == COL ? (int) Math.max(1, c.rows()) : 1;
        int tb = layout(bias) == order ? NO_TRANS : TRANS;
        call(order, NO_TRANS, tb, (int) c.rows(), (int) c.columns(), 1, 1.0, ones, ldOnes, bias, ld(bias), beta, c,
                ld(c));
    }

    /** {@code target = ones^T delta}: the column sums of {@code delta} into a {@code [1, n]} row. */
    static void columnSums(INDArray delta, INDArray target) {
        if (!direct(delta, target) || target.rows() != 1 || target.columns() != delta.columns()) {
            gemm(onesColumn(target.dataType(), delta.rows()), true, delta, false, target, 1.0, 0.0);
            return;
        }
        INDArray ones = ones(target.dataType(), delta.rows());
        // [1, m] x [m, n] with delta read transposed: in the order opposite to delta's when the row
        // target allows it. OpenBLAS takes the other form (one row times a matrix read as stored)
        // down a slow path: 13.9 us against 2.5 for a 512 x 64 column-major delta (measured in a
        // training step).
        int order = layout(delta) == COL && fits(target, ROW) ? ROW : layout(target);
        int td = layout(delta) == order ? NO_TRANS : TRANS;
        int m = (int) delta.rows();
        // ones as a [1, m] matrix: column-major leading dimension 1, row-major m.
        int ldOnes = order == COL ? 1 : Math.max(1, m);
        call(order, NO_TRANS, td, 1, (int) delta.columns(), m, 1.0, ones, ldOnes, delta, ld(delta), 0.0, target,
                ld(target, order));
    }

    /**
     * {@code y += x} for arrays of one shape and type whose elements line up in one unit-stride run
     * each ({@link HostArrays#oneRun}): through BLAS's axpy on the buffers. libnd4j's add is a
     * custom op in 1.0.0-M2, 13-17 us on a 256 x 64 float array against ~2 for the BLAS call (one
     * thread, measured). Anything else goes through {@code addi}.
     */
    static void addTo(INDArray x, INDArray y) {
        DataType t = y.dataType();
        boolean blas = (t == DataType.FLOAT || t == DataType.DOUBLE) && x.dataType() == t
                && Arrays.equals(x.shape(), y.shape()) && HostArrays.oneRun(x, y) && y.length() <= Integer.MAX_VALUE;
        if (!blas) {
            y.addi(x);
            return;
        }
        int n = (int) y.length();
        if (t == DataType.FLOAT) {
            openblas_nolapack.cblas_saxpy(n, 1f, (FloatPointer) x.data().addressPointer(), 1,
                    (FloatPointer) y.data().addressPointer(), 1);
        } else {
            openblas_nolapack.cblas_daxpy(n, 1.0, (DoublePointer) x.data().addressPointer(), 1,
                    (DoublePointer) y.data().addressPointer(), 1);
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

    /** Whether BLAS takes the arrays as they are: all float or all double, 2-D, a unit stride each. */
    private static boolean direct(INDArray... xs) {
        DataType t = xs[0].dataType();
        if (t != DataType.FLOAT && t != DataType.DOUBLE) {
            return false;
        }
        for (INDArray x : xs) {
            if (x.dataType() != t || x.rank() != 2 || layout(x) == 0) {
                return false;
            }
        }
        return true;
    }

    /** One {@code cblas_?gemm} on the arrays' buffers, {@code order} being {@link #COL} or {@link #ROW}. */
    private static void call(int order, int ta, int tb, int m, int n, int k, double alpha, INDArray a, int lda,
            INDArray b, int ldb, double beta, INDArray c, int ldc) {
        int cOrder = order == COL ? COL_MAJOR : ROW_MAJOR;
        if (c.dataType() == DataType.FLOAT) {
            openblas_nolapack.cblas_sgemm(cOrder, ta, tb, m, n, k, (float) alpha,
                    (FloatPointer) a.data().addressPointer(), lda, (FloatPointer) b.data().addressPointer(), ldb,
                    (float) beta, (FloatPointer) c.data().addressPointer(), ldc);
        } else {
            openblas_nolapack.cblas_dgemm(cOrder, ta, tb, m, n, k, alpha,
                    (DoublePointer) a.data().addressPointer(), lda, (DoublePointer) b.data().addressPointer(), ldb,
                    beta, (DoublePointer) c.data().addressPointer(), ldc);
        }
    }

    /** {@link #COL} when BLAS can read {@code x} column-major, {@link #ROW} row-major, 0 neither. */
    private static int layout(INDArray x) {
        return fits(x, COL) ? COL : fits(x, ROW) ? ROW : 0;
    }

    /** Whether BLAS can read {@code x} in {@code order} ({@link #COL} or {@link #ROW}). */
    private static boolean fits(INDArray x, int order) {
        long r = x.rows();
        long c = x.columns();
        long s0 = x.stride(0);
        long s1 = x.stride(1);
        // A dimension of length 1 has no meaningful stride.
        if (order == COL) {
            return (r == 1 || s0 == 1) && (c == 1 || s1 >= Math.max(1, r));
        }
        return (c == 1 || s1 == 1) && (r == 1 || s0 >= Math.max(1, c));
    }

    /** The leading dimension BLAS needs for {@code x} in its {@link #layout}. */
    private static int ld(INDArray x) {
        return ld(x, layout(x));
    }

    /** The leading dimension BLAS needs for {@code x} read in {@code order}. */
    private static int ld(INDArray x, int order) {
        if (order == COL) {
            return (int) (x.columns() == 1 ? Math.max(1, x.rows()) : x.stride(1));
        }
        return (int) (x.rows() == 1 ? Math.max(1, x.columns()) : x.stride(0));
    }
}
