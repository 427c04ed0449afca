package org.mafspark.flow;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
        int rows = (int) a.rows();
        int cols = (int) a.columns();
        double[] out = new double[rows * cols];
        if (!direct(a)) {
            double[] all = a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            System.arraycopy(all, 0, out, 0, out.length);
            return out;
        }
        int span = span(a);
        long s0 = rows == 1 ? 0 : a.stride(0);
        long s1 = cols == 1 ? 0 : a.stride(1);
        if (a.dataType() == DataType.DOUBLE) {
            if (span == out.length && s1 <= 1) {
                new DoublePointer(a.data().addressPointer()).get(out, 0, span);
                return out;
            }
            double[] tmp = doubleScratch(span);
            new DoublePointer(a.data().addressPointer()).get(tmp, 0, span);
            gather(tmp, s0, s1, rows, cols, out);
            return out;
        }
        float[] tmp = floatScratch(span);
        new FloatPointer(a.data().addressPointer()).get(tmp, 0, span);
        if (span == out.length && s1 <= 1) {
            for (int i = 0; i < span; i++) {
                out[i] = tmp[i];
            }
            return out;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = tmp[(int) (i * s0 + j * s1)];
            }
        }
        return out;
    }

    /**
     * Writes {@code values} (row by row) into {@code a}. Elements of the underlying buffer between
     * the rows of a view (another view's columns) keep their values.
     */
    public static void write(double[] values, INDArray a) {
        int rows = (int) a.rows();
        int cols = (int) a.columns();
        if (values.length != rows * cols) {
            throw new IllegalArgumentException("expected " + rows * cols + " values, got " + values.length);
        }
        if (!direct(a)) {
            a.assign(Nd4j.create(values, new long[] {rows, cols}, 'c').castTo(a.dataType()));
            return;
        }
        int span = span(a);
        long s0 = rows == 1 ? 0 : a.stride(0);
        long s1 = cols == 1 ? 0 : a.stride(1);
        boolean compact = span == values.length && s1 <= 1;
        if (a.dataType() == DataType.DOUBLE) {
            DoublePointer p = new DoublePointer(a.data().addressPointer());
            if (compact) {
                p.put(values, 0, span);
                return;
            }
            double[] tmp = doubleScratch(span);
            p.get(tmp, 0, span);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    tmp[(int) (i * s0 + j * s1)] = values[i * cols + j];
                }
            }
            p.put(tmp, 0, span);
            return;
        }
        FloatPointer p = new FloatPointer(a.data().addressPointer());
        float[] tmp = floatScratch(span);
        if (compact) {
            for (int i = 0; i < span; i++) {
                tmp[i] = (float) values[i];
            }
        } else {
            p.get(tmp, 0, span);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    tmp[(int) (i * s0 + j * s1)] = (float) values[i * cols + j];
                }
            }
        }
        p.put(tmp, 0, span);
    }

    private static void gather(double[] tmp, long s0, long s1, int rows, int cols, double[] out) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = tmp[(int) (i * s0 + j * s1)];
            }
        }
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

    /** Elements from the first to the last of {@code a} in its buffer. */
    private static int span(INDArray a) {
        long s0 = a.rows() == 1 ? 0 : a.stride(0);
        long s1 = a.columns() == 1 ? 0 : a.stride(1);
        return (int) ((a.rows() - 1) * s0 + (a.columns() - 1) * s1 + 1);
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
