package org.mafspark.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link Gemm} against a plain triple loop, for every storage order, transpose, view offset and
 * stride the flow hands it. Tolerance: a sum of {@code k} products rounds to within about
 * {@code k * eps * sum|terms|}; the bound below uses {@code 4 k eps} times that magnitude.
 */
class GemmTest {
    private static final Random RNG = new Random(7);

    @ParameterizedTest
    @ValueSource(strings = {"DOUBLE", "FLOAT"})
    void everyOrderAndTransposeMatchesTheTripleLoop(String type) {
        DataType t = DataType.valueOf(type);
        int m = 7;
        int k = 5;
        int n = 3;
        for (char oa : new char[] {'c', 'f'}) {
            for (char ob : new char[] {'c', 'f'}) {
                for (char oc : new char[] {'c', 'f'}) {
                    for (boolean ta : new boolean[] {false, true}) {
                        for (boolean tb : new boolean[] {false, true}) {
                            INDArray a = random(t, ta ? k : m, ta ? m : k, oa);
                            INDArray b = random(t, tb ? n : k, tb ? k : n, ob);
                            INDArray c = random(t, m, n, oc);
                            check(a, ta, b, tb, c, 0.7, 0.3, oa + "" + ob + oc + ta + tb);
                        }
                    }
                }
            }
        }
    }

    @Test
    void viewsWithOffsetsAndLeadingDimensionsAreRead() {
        // Blocks inside larger matrices: an offset, and a leading dimension longer than the block.
        INDArray bigC = random(DataType.DOUBLE, 12, 9, 'c');
        INDArray bigF = random(DataType.DOUBLE, 11, 10, 'f');
        INDArray a = bigC.get(NDArrayIndex.interval(2, 9), NDArrayIndex.interval(1, 6));
        INDArray b = bigF.get(NDArrayIndex.interval(3, 8), NDArrayIndex.interval(4, 8));
        INDArray c = random(DataType.DOUBLE, 20, 8, 'f').get(NDArrayIndex.interval(5, 12), NDArrayIndex.interval(2, 6));
        check(a, false, b, false, c, 1.0, 0.5, "blocks");
        // A [1, n] row out of a flat parameter vector, as the bias views are.
        INDArray flat = random(DataType.DOUBLE, 1, 40, 'c').reshape(40);
        INDArray row = flat.get(NDArrayIndex.interval(13, 17)).reshape('f', 1, 4);
        INDArray col = random(DataType.DOUBLE, 6, 1, 'c');
        check(col, false, row, false, random(DataType.DOUBLE, 6, 4, 'f'), 1.0, 0.0, "outer product");
    }

    @Test
    void stridedViewsFallBackToNd4j() {
        // Every other column: no unit stride in either dimension, so Nd4j.gemm does it.
        INDArray big = random(DataType.DOUBLE, 6, 10, 'c');
        INDArray a = big.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 10));
        check(a, false, random(DataType.DOUBLE, 5, 4, 'f'), false, random(DataType.DOUBLE, 6, 4, 'c'), 1.0, 0.0,
                "strided");
    }

    @ParameterizedTest
    @ValueSource(chars = {'c', 'f'})
    void affineAddsTheBiasToEveryRowAndColumnSumsSumColumns(char order) {
        INDArray x = random(DataType.DOUBLE, 9, 5, order);
        INDArray w = random(DataType.DOUBLE, 5, 4, 'f');
        // The bias as the parameter views hold it: a [1, n] row inside a flat vector, at an offset.
        INDArray flat = random(DataType.DOUBLE, 1, 30, 'c').reshape(30);
        INDArray bias = flat.get(NDArrayIndex.interval(11, 15)).reshape('f', 1, 4);
        INDArray out = Nd4j.createUninitialized(DataType.DOUBLE, new long[] {9, 4}, order);
        Gemm.affine(x, w, bias, out);
        INDArray expected = x.mmul(w).addiRowVector(bias);
        assertClose(expected, out, 1e-13, "affine");

        INDArray before = out.dup();
        Gemm.addRows(bias, out, 1.0);
        assertClose(before.addRowVector(bias), out, 1e-13, "rows plus the bias");

        INDArray sums = flat.get(NDArrayIndex.interval(20, 24)).reshape('f', 1, 4);
        Gemm.columnSums(out, sums);
        assertClose(out.sum(true, 0), sums, 1e-13, "column sums");
        // A target row whose elements are not adjacent (a row of a column-major matrix) can only be
        // written column-major: the sums must not take the row-major form then.
        INDArray holder = Nd4j.zeros(DataType.DOUBLE, 3, 4).dup('f');
        INDArray stridedSums = holder.getRow(1, true);
        Gemm.columnSums(out, stridedSums);
        assertClose(out.sum(true, 0), stridedSums, 1e-13, "column sums into a strided row");
        assertEquals(0.0, holder.getRow(0).sumNumber().doubleValue() + holder.getRow(2).sumNumber().doubleValue(),
                0.0, "the other rows untouched");
        // A longer batch than any before grows the shared column of ones.
        INDArray tall = random(DataType.DOUBLE, 5000, 3, order);
        INDArray tallSums = Nd4j.zeros(DataType.DOUBLE, 1, 3);
        Gemm.columnSums(tall, tallSums);
        assertClose(tall.sum(true, 0), tallSums, 1e-11, "column sums of 5000 rows");
        INDArray tallOut = random(DataType.DOUBLE, 5000, 3, order);
        INDArray tallBefore = tallOut.dup();
        Gemm.addRows(tallSums, tallOut, 1.0);
        assertClose(tallBefore.addRowVector(tallSums), tallOut, 1e-11, "5000 rows plus a row");
    }

    @Test
    void mismatchedShapesAreRefused() {
        INDArray a = random(DataType.DOUBLE, 3, 4, 'f');
        INDArray b = random(DataType.DOUBLE, 5, 2, 'f');
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(a, false, b, false, Nd4j.zeros(DataType.DOUBLE, 3, 2), 1.0, 0.0));
        assertEquals("gemm shapes do not match: [3, 4] x [5, 2] -> [3, 2]", e.getMessage());
    }

    /**
     * {@code y += x}: exact (one addition per element) through BLAS for same-layout contiguous
     * arrays of either type, and through ND4J for a column view, mixed orders or mixed types; the
     * view's neighbouring columns untouched.
     */
    @ParameterizedTest
    @ValueSource(strings = {"FLOAT", "DOUBLE"})
    void addToAddsElementByElementWhateverTheLayout(String type) {
        DataType t = DataType.valueOf(type);
        INDArray x = random(t, 7, 5, 'f');
        INDArray y = random(t, 7, 5, 'f');
        INDArray expected = y.add(x);
        Gemm.addTo(x, y);
        assertClose(expected, y, 0.0, "same layout");
        INDArray yc = random(t, 7, 5, 'c');
        INDArray expectedC = yc.add(x);
        Gemm.addTo(x, yc);
        assertClose(expectedC, yc, 0.0, "mixed orders");
        INDArray wide = random(t, 7, 8, 'f');
        INDArray before = wide.dup();
        INDArray view = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 7));
        INDArray expectedView = view.add(x);
        Gemm.addTo(x, view);
        assertClose(expectedView, view, 0.0, "column view");
        assertClose(before.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2)),
                wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2)), 0.0, "columns before the view");
        assertClose(before.get(NDArrayIndex.all(), NDArrayIndex.interval(7, 8)),
                wide.get(NDArrayIndex.all(), NDArrayIndex.interval(7, 8)), 0.0, "column after the view");
    }

    private static void check(INDArray a, boolean ta, INDArray b, boolean tb, INDArray c, double alpha, double beta,
            String what) {
        int m = (int) c.rows();
        int n = (int) c.columns();
        int k = (int) (ta ? a.rows() : a.columns());
        double[][] expected = new double[m][n];
        double[][] magnitude = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                double mag = 0;
                for (int l = 0; l < k; l++) {
                    double p = (ta ? a.getDouble(l, i) : a.getDouble(i, l)) * (tb ? b.getDouble(j, l) : b.getDouble(l, j));
                    s += p;
                    mag += Math.abs(p);
                }
                expected[i][j] = alpha * s + beta * c.getDouble(i, j);
                magnitude[i][j] = Math.abs(alpha) * mag + Math.abs(beta * c.getDouble(i, j));
            }
        }
        Gemm.gemm(a, ta, b, tb, c, alpha, beta);
        double eps = c.dataType() == DataType.FLOAT ? 0x1p-23 : 0x1p-52;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(expected[i][j], c.getDouble(i, j), 4 * (k + 1) * eps * magnitude[i][j],
                        what + " at (" + i + ", " + j + ")");
            }
        }
    }

    private static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        assertEquals(expected.rows(), actual.rows(), what);
        assertEquals(expected.columns(), actual.columns(), what);
        for (int i = 0; i < expected.rows(); i++) {
            for (int j = 0; j < expected.columns(); j++) {
                assertEquals(expected.getDouble(i, j), actual.getDouble(i, j), tol, what + " at (" + i + ", " + j + ")");
            }
        }
    }

    private static INDArray random(DataType t, int rows, int cols, char order) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = RNG.nextGaussian();
        }
        return Nd4j.create(v, new long[] {rows, cols}, order).castTo(t);
    }
}
