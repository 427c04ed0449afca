package org.mafspark.flow;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Copies 2-D ND4J arrays to and from row-major {@code double[]} on the Java heap, in one bulk
 * native copy each way, so that the flow's elementwise math runs as plain Java loops.
 *
 * <p>Why: every ND4J op has a fixed cost of 15-30 us (op set-up, result allocation), and the
 * affine transform's math on its {@code [N, D]} arrays took about 20 ops per layer and pass, most
 * of them on arrays small enough that the set-up was the whole cost. A bulk copy of {@code 512 x
 * 64} floats takes ~4 us, and C2-compiled loops over heap arrays are about ten times faster than
 * loops over native memory (measured: a fused multiply-ReLU over 32k floats, 4.7 us on the heap,
 * 64 us through a direct buffer). The math runs in double whatever the network's type: exact for
 * double networks (gradient checks) and a touch more accurate for float ones.
 */
public final class HostArrays {
    private static final ThreadLocal<float[]> FLOAT_SCRATCH = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<double[]> DOUBLE_SCRATCH = ThreadLocal.withInitial(() -> new double[0]);

    private HostArrays() {}

    /** The elements of {@code a} ({@code [rows, cols]}), row by row. */
    public static double[] read(INDArray a) {
        double[] out = new double[(int) a.length()];
        read(a, 0, (int) a.rows(), out);
        return out;
    }

    /**
     * Rows {@code from..to-1} of {@code a}, row by row, into the start of {@code out}: the flow
     * works through a large batch in cache-sized blocks of rows, as big heap arrays cost page
     * faults and the garbage collector's humongous regions.
     */
    public static void read(INDArray a, int from, int to, double[] out) {
        int rows = to - from;
        int cols = (int) a.columns();
        if (!direct(a)) {
            double[] all = rowRange(a, from, to).castTo(DataType.DOUBLE).dup('c').data().asDouble();
            System.arraycopy(all, 0, out, 0, rows * cols);
            return;
        }
        transfer(a, from, to, out, true);
    }

    /**
     * Rows {@code from..to-1} of {@code a}, column by column, into the start of {@code out}:
     * {@code out[j * (to - from) + i] = a(from + i, j)}. For a column-major array (the conditioner's
     * outputs) each column is one bulk copy, with no transposition.
     */
    public static void readColumns(INDArray a, int from, int to, double[] out) {
        int rows = to - from;
        int cols = (int) a.columns();
        if (!direct(a) || (a.rows() > 1 && a.stride(0) != 1)) {
            double[] rowMajor = new double[rows * cols];
            read(a, from, to, rowMajor);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    out[j * rows + i] = rowMajor[i * cols + j];
                }
            }
            return;
        }
        long s1 = cols == 1 ? 0 : a.stride(1);
        for (int j = 0; j < cols; j++) {
            load(a, from + j * s1, rows, out, j * rows);
        }
    }

    /** Writes {@code values} (row by row) into {@code a}; see {@link #write(double[], INDArray, int, int)}. */
    public static void write(double[] values, INDArray a) {
        if (values.length != a.length()) {
            throw new IllegalArgumentException("expected " + a.length() + " values, got " + values.length);
        }
        write(values, a, 0, (int) a.rows());
    }

    /**
     * Writes the start of {@code values} (row by row) into rows {@code from..to-1} of {@code a}.
     * Elements of the underlying buffer between the rows of a view (another view's columns) keep
     * their values.
     */
    public static void write(double[] values, INDArray a, int from, int to) {
        int rows = to - from;
        int cols = (int) a.columns();
        if (!direct(a)) {
            rowRange(a, from, to).assign(Nd4j.create(java.util.Arrays.copyOf(values, rows * cols),
                    new long[] {rows, cols}, 'c').castTo(a.dataType()));
            return;
        }
        transfer(a, from, to, values, false);
    }

    /**
     * Moves rows {@code from..to-1} of a directly copyable {@code a} to ({@code read}) or from the
     * row-major {@code values}: one bulk copy of the block's span, or one per column when a
     * column-major block's span would hold the whole array. Writing through a span with gaps (a
     * view's neighbouring columns) reads it first, so the gaps keep their values.
     */
    private static void transfer(INDArray a, int from, int to, double[] values, boolean read) {
        int rows = to - from;
        int cols = (int) a.columns();
        long s0 = a.rows() == 1 ? 0 : a.stride(0);
        long s1 = cols == 1 ? 0 : a.stride(1);
        if (byColumn(rows, cols, s0, s1)) {
            int len = span(rows, 1, s0, 0);
            double[] line = doubleScratch(len);
            for (int j = 0; j < cols; j++) {
                long at = from * s0 + j * s1;
                if (read || s0 > 1) {
                    load(a, at, len, line);
                }
                for (int i = 0; i < rows; i++) {
                    if (read) {
                        values[i * cols + j] = line[(int) (i * s0)];
                    } else {
                        line[(int) (i * s0)] = values[i * cols + j];
                    }
                }
                if (!read) {
                    store(a, at, len, line);
                }
            }
            return;
        }
        int span = span(rows, cols, s0, s1);
        if (span == rows * cols && s1 <= 1) {
            if (read) {
                load(a, from * s0, span, values);
            } else {
                store(a, from * s0, span, values);
            }
            return;
        }
        double[] tmp = doubleScratch(span);
        load(a, from * s0, span, tmp);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                int k = (int) (i * s0 + j * s1);
                if (read) {
                    values[i * cols + j] = tmp[k];
                } else {
                    tmp[k] = values[i * cols + j];
                }
            }
        }
        if (!read) {
            store(a, from * s0, span, tmp);
        }
    }

    /**
     * Whether a block of rows is best copied one column at a time: a column-major array's block
     * spans every column of the whole array, so copying its span would move all the rows.
     */
    private static boolean byColumn(int rows, int cols, long s0, long s1) {
        return rows > 1 && cols > 1 && s1 > s0 && (rows - 1) * s0 + (cols - 1) * s1 + 1 > 2L * rows * cols;
    }

    /** {@code len} elements of {@code a}'s buffer from {@code position} into {@code dst}, as doubles. */
    private static void load(INDArray a, long position, int len, double[] dst) {
        load(a, position, len, dst, 0);
    }

    /** {@code len} elements of {@code a}'s buffer from {@code position} into {@code dst} from {@code at}. */
    private static void load(INDArray a, long position, int len, double[] dst, int at) {
        if (a.dataType() == DataType.DOUBLE) {
            new DoublePointer(a.data().addressPointer()).position(position).get(dst, at, len);
            return;
        }
        float[] f = floatScratch(len);
        new FloatPointer(a.data().addressPointer()).position(position).get(f, 0, len);
        for (int i = 0; i < len; i++) {
            dst[at + i] = f[i];
        }
    }

    /** {@code len} values of {@code src} into {@code a}'s buffer from {@code position}, in its type. */
    private static void store(INDArray a, long position, int len, double[] src) {
        if (a.dataType() == DataType.DOUBLE) {
            new DoublePointer(a.data().addressPointer()).position(position).put(src, 0, len);
            return;
        }
        float[] f = floatScratch(len);
        for (int i = 0; i < len; i++) {
            f[i] = (float) src[i];
        }
        new FloatPointer(a.data().addressPointer()).position(position).put(f, 0, len);
    }

    /**
     * {@code out = a * b} element by element, when all three are float or all double, of one length
     * up to {@link #MULTIPLY_MAX} elements, and each stored as one unit-stride run in the same order
     * (the conditioner's weight views and masks): bulk copies and a heap loop. Why: masking the
     * weights took 21% of a training share's forward pass (JFR), and on a 64 x 64 float weight
     * libnd4j's multiply op takes 12.1-12.9 us, this 5.3-5.6; on 18,225 elements (a layer's flat
     * gradient) the op is the faster, 11.8-15.6 us against 15.6-18.1 (measured). Returns false,
     * having done nothing, for anything else.
     */
    public static boolean multiply(INDArray a, INDArray b, INDArray out) {
        DataType t = a.dataType();
        long n = a.length();
        if ((t != DataType.FLOAT && t != DataType.DOUBLE) || b.dataType() != t || out.dataType() != t
                || b.length() != n || out.length() != n || n == 0 || n > MULTIPLY_MAX
                || !oneRun(a, out) || !oneRun(b, out)) {
            return false;
        }
        int len = (int) n;
        if (t == DataType.DOUBLE) {
            double[] x = doubleScratch(2 * len);
            new DoublePointer(a.data().addressPointer()).get(x, 0, len);
            new DoublePointer(b.data().addressPointer()).get(x, len, len);
            for (int i = 0; i < len; i++) {
                x[i] *= x[len + i];
            }
            new DoublePointer(out.data().addressPointer()).put(x, 0, len);
            return true;
        }
        float[] x = floatScratch(2 * len);
        new FloatPointer(a.data().addressPointer()).get(x, 0, len);
        new FloatPointer(b.data().addressPointer()).get(x, len, len);
        for (int i = 0; i < len; i++) {
            x[i] *= x[len + i];
        }
        new FloatPointer(out.data().addressPointer()).put(x, 0, len);
        return true;
    }

    /**
     * {@code target[i] = (target[i] + addends[0][i] + ... + addends[count-1][i]) * mask[i]} for
     * {@code i} in {@code from..to-1}: flat contiguous arrays of one length and one type; for float,
     * one heap pass over the range. A split training step's gradients summed and masked in parts, on
     * several threads at once, where a sum op and a mask op ran one after the other on one thread.
     */
    public static void sumAndMask(INDArray target, INDArray[] addends, int count, INDArray mask, int from, int to) {
        int len = to - from;
        if (len <= 0) {
            return;
        }
        if (target.dataType() != DataType.FLOAT) {
            // Double networks are the gradient checks': ND4J's ops on views of the range, same order of sums.
            INDArray t = flatRange(target, from, to);
            for (int k = 0; k < count; k++) {
                t.addi(flatRange(addends[k], from, to));
            }
            t.muli(flatRange(mask, from, to));
            return;
        }
        float[] x = floatScratch(2 * len);
        FloatPointer t = new FloatPointer(target.data().addressPointer());
        t.position(from).get(x, 0, len);
        for (int k = 0; k < count; k++) {
            INDArray a = addends[k];
            new FloatPointer(a.data().addressPointer()).position(from).get(x, len, len);
            for (int i = 0; i < len; i++) {
                x[i] += x[len + i];
            }
        }
        new FloatPointer(mask.data().addressPointer()).position(from).get(x, len, len);
        for (int i = 0; i < len; i++) {
            x[i] *= x[len + i];
        }
        t.position(from).put(x, 0, len);
    }

    /** Elements {@code from..to-1} of a flat array, as a {@code [1, to - from]} view. */
    private static INDArray flatRange(INDArray a, int from, int to) {
        INDArray row = a.rank() == 2 ? a : a.reshape(1, a.length());
        return row.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to));
    }

    /** The largest arrays {@link #multiply} takes: above, libnd4j's op is as fast or faster. */
    static final int MULTIPLY_MAX = 8_192;

    /** Whether {@code a} is one unit-stride run whose elements line up with {@code like}'s. */
    static boolean oneRun(INDArray a, INDArray like) {
        if (a.elementWiseStride() != 1 || like.elementWiseStride() != 1) {
            return false;
        }
        boolean vector = a.rank() <= 2 && (a.rows() == 1 || a.columns() == 1);
        boolean likeVector = like.rank() <= 2 && (like.rows() == 1 || like.columns() == 1);
        return vector && likeVector || a.ordering() == like.ordering() && java.util.Arrays.equals(a.shape(), like.shape());
    }

    private static INDArray rowRange(INDArray a, int from, int to) {
        return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
    }

    /**
     * Whether {@code a} can be copied in bulk: float or double, 2-D, positive strides (any order;
     * the flow's arrays and their column views all are).
     */
    private static boolean direct(INDArray a) {
        DataType t = a.dataType();
        if ((t != DataType.FLOAT && t != DataType.DOUBLE) || a.rank() != 2 || a.length() == 0) {
            return false;
        }
        boolean rowsOk = a.rows() == 1 || a.stride(0) > 0;
        boolean colsOk = a.columns() == 1 || a.stride(1) > 0;
        return rowsOk && colsOk && (a.rows() - 1) * (long) Math.abs(a.stride(0))
                + (a.columns() - 1) * (long) Math.abs(a.stride(1)) < Integer.MAX_VALUE;
    }

    /** Elements from the first to the last of a block of {@code rows x cols} with these strides. */
    private static int span(int rows, int cols, long s0, long s1) {
        return (int) ((rows - 1) * s0 + (cols - 1) * s1 + 1);
    }

    private static float[] floatScratch(int n) {
        float[] s = FLOAT_SCRATCH.get();
        if (s.length < n) {
            s = new float[n];
            FLOAT_SCRATCH.set(s);
        }
        return s;
    }

    private static double[] doubleScratch(int n) {
        double[] s = DOUBLE_SCRATCH.get();
        if (s.length < n) {
            s = new double[n];
            DOUBLE_SCRATCH.set(s);
        }
        return s;
    }
}
