package org.mafspark.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class HostArraysTest {
    /** A [rows, cols] array in {@code order} holding 100 i + j at (i, j): exact in float and double. */
    private static INDArray indexed(DataType t, char order, int rows, int cols) {
        INDArray a = Nd4j.create(t, new long[] {rows, cols}, order);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                a.putScalar(i, j, 100 * i + j);
            }
        }
        return a;
    }

    private static void assertHolds(INDArray a, double[] rowMajor) {
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.columns(); j++) {
                assertEquals(a.getDouble(i, j), rowMajor[(int) (i * a.columns() + j)], 0.0, "(" + i + "," + j + ")");
            }
        }
    }

    /** F_TALL and its columns: a block of rows of a tall column-major array is copied column by column. */
    enum Layout { C, F, FEATURES_OF_STATE, LAST_COLUMN, COLUMNS_OF_F, ROW, F_TALL, COLUMNS_OF_F_TALL }

    private static INDArray parent(Layout l, DataType t) {
        return switch (l) {
            case C, FEATURES_OF_STATE, LAST_COLUMN, ROW -> indexed(t, 'c', 7, 5);
            case F -> indexed(t, 'f', 7, 5);
            case COLUMNS_OF_F -> indexed(t, 'f', 7, 6);
            case F_TALL -> indexed(t, 'f', 40, 3);
            case COLUMNS_OF_F_TALL -> indexed(t, 'f', 40, 4);
        };
    }

    private static INDArray view(Layout l, INDArray parent) {
        return switch (l) {
            case C, F, F_TALL -> parent;
            case COLUMNS_OF_F_TALL -> parent.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 4));
            case FEATURES_OF_STATE -> parent.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4));
            case LAST_COLUMN -> parent.get(NDArrayIndex.all(), NDArrayIndex.interval(4, 5));
            case COLUMNS_OF_F -> parent.get(NDArrayIndex.all(), NDArrayIndex.interval(3, 6));
            case ROW -> parent.get(NDArrayIndex.interval(2, 3), NDArrayIndex.all());
        };
    }

    private static int changedElements(INDArray now, INDArray before) {
        int changed = 0;
        for (int i = 0; i < now.rows(); i++) {
            for (int j = 0; j < now.columns(); j++) {
                changed += now.getDouble(i, j) != before.getDouble(i, j) ? 1 : 0;
            }
        }
        return changed;
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void readsEveryLayoutRowByRow(Layout l) {
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray a = view(l, parent(l, t));
            assertHolds(a, HostArrays.read(a));
        }
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void writesOnlyTheViewsElements(Layout l) {
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray parent = parent(l, t);
            INDArray a = view(l, parent);
            INDArray before = parent.dup();
            double[] values = new double[(int) a.length()];
            for (int k = 0; k < values.length; k++) {
                values[k] = -1 - k;
            }
            HostArrays.write(values, a);
            assertHolds(a, values);
            // Everything of the parent outside the view is untouched (the other columns of a state).
            int changed = changedElements(parent, before);
            assertEquals(values.length, changed, "elements of the parent changed");
        }
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void readsAndWritesABlockOfRows(Layout l) {
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray parent = parent(l, t);
            INDArray a = view(l, parent);
            int from = a.rows() > 1 ? 2 : 0;
            int to = a.rows() > 1 ? 5 : 1;
            int cols = (int) a.columns();
            // Longer than the block, as the flow's block buffers are for the last block.
            double[] block = new double[(to - from) * cols + 3];
            HostArrays.read(a, from, to, block);
            for (int i = from; i < to; i++) {
                for (int j = 0; j < cols; j++) {
                    assertEquals(a.getDouble(i, j), block[(i - from) * cols + j], 0.0);
                }
            }
            double[] byColumn = new double[block.length];
            HostArrays.readColumns(a, from, to, byColumn);
            for (int i = from; i < to; i++) {
                for (int j = 0; j < cols; j++) {
                    assertEquals(a.getDouble(i, j), byColumn[j * (to - from) + (i - from)], 0.0);
                }
            }
            INDArray before = parent.dup();
            for (int k = 0; k < block.length; k++) {
                block[k] = -1 - k;
            }
            HostArrays.write(block, a, from, to);
            int changed = changedElements(parent, before);
            assertEquals((to - from) * cols, changed, "elements of the parent changed");
            for (int i = from; i < to; i++) {
                for (int j = 0; j < cols; j++) {
                    assertEquals(-1 - ((i - from) * cols + j), a.getDouble(i, j), 0.0);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void rejectsAWrongLength(DataType t) {
        INDArray a = Nd4j.zeros(t, 3, 2);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> HostArrays.write(new double[5], a));
        assertArrayEquals(new double[6], HostArrays.read(a), 0.0);
    }

    /**
     * The heap multiply equals libnd4j's on weight views of a flat parameter vector (column-major,
     * offset into the vector, as the conditioner's are) and leaves the vector's other elements alone;
     * layouts whose elements do not line up are declined.
     */
    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void multipliesWeightViewsLikeLibnd4jAndDeclinesMismatchedLayouts(DataType t) {
        INDArray flat = Nd4j.rand(t, 1, 40).subi(0.5);
        INDArray before = flat.dup();
        INDArray w = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(7, 19)).reshape('f', 3, 4);
        INDArray mask = Nd4j.create(new double[][] {{1, 0, 1, 1}, {0, 0, 1, 0}, {1, 1, 0, 1}}).castTo(t).dup('f');
        INDArray expected = w.mul(mask);
        INDArray out = Nd4j.createUninitialized(t, new long[] {3, 4}, 'f');
        assertEquals(true, HostArrays.multiply(w, mask, out));
        assertArrayEquals(HostArrays.read(expected), HostArrays.read(out), 0.0);
        // in place, into the view itself
        assertEquals(true, HostArrays.multiply(w, mask, w));
        assertArrayEquals(HostArrays.read(expected), HostArrays.read(w), 0.0);
        for (int k = 0; k < 40; k++) {
            if (k < 7 || k >= 19) {
                assertEquals(before.getDouble(0, k), flat.getDouble(0, k), 0.0, "element " + k + " of the vector");
            }
        }
        assertEquals(false, HostArrays.multiply(w, mask.dup('c'), out), "elements in another order");
        assertEquals(false, HostArrays.multiply(w, mask.castTo(t == DataType.FLOAT ? DataType.DOUBLE : DataType.FLOAT),
                out), "mixed types");
        assertEquals(false, HostArrays.multiply(indexed(t, 'f', 6, 4).get(NDArrayIndex.interval(0, 3),
                NDArrayIndex.all()), mask, out), "a strided view");
        INDArray big = Nd4j.ones(t, 1, HostArrays.MULTIPLY_MAX + 1);
        assertEquals(false, HostArrays.multiply(big, big, big), "more elements than the heap path takes");
    }

    /**
     * Sums and masks in parts as one pass would: the target a view into a longer flat vector (as a
     * layer's gradient is into the network's), two addends, parts that together cover it; the
     * vector outside the view untouched.
     */
    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void sumsAndMasksAFlatViewInParts(DataType t) {
        INDArray whole = Nd4j.rand(t, 1, 50).subi(0.5);
        INDArray before = whole.dup();
        INDArray target = whole.get(NDArrayIndex.point(0), NDArrayIndex.interval(5, 42)).reshape(1, 37);
        INDArray a = Nd4j.rand(t, 1, 37);
        INDArray b = Nd4j.rand(t, 1, 37);
        INDArray mask = Nd4j.rand(t, 1, 37).gt(0.4).castTo(t);
        INDArray expected = target.add(a).addi(b).muli(mask);
        HostArrays.sumAndMask(target, new INDArray[] {a, b}, 2, mask, 0, 11);
        HostArrays.sumAndMask(target, new INDArray[] {a, b}, 2, mask, 11, 37);
        assertArrayEquals(HostArrays.read(expected), HostArrays.read(target), t == DataType.FLOAT ? 1e-6 : 1e-15);
        for (int k = 0; k < 50; k++) {
            if (k < 5 || k >= 42) {
                assertEquals(before.getDouble(0, k), whole.getDouble(0, k), 0.0, "element " + k + " of the vector");
            }
        }
        // count limits the addends used: with none, the target is only masked
        INDArray c = Nd4j.rand(t, 1, 37);
        INDArray masked = c.mul(mask);
        HostArrays.sumAndMask(c, new INDArray[] {a, b}, 0, mask, 0, 37);
        assertArrayEquals(HostArrays.read(masked), HostArrays.read(c), 0.0);
    }
}
