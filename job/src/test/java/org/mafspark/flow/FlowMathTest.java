package org.mafspark.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.LUDecomposition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mafspark.flow.dl4j.MaskedAffineLayerImpl;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The flow's exactness, checked numerically in double precision on random (untrained) flows. */
class FlowMathTest {

    @Test
    void degreesFollowNflows() {
        assertEquals("[1, 2, 3, 4]", java.util.Arrays.toString(MadeDegrees.input(4)));
        // k mod max(1, D-1) + min(1, D-1) with D = 4: 1, 2, 3, 1, 2, 3, ...
        assertEquals("[1, 2, 3, 1, 2, 3, 1]", java.util.Arrays.toString(MadeDegrees.hidden(7, 4)));
        // D = 1: every hidden unit has degree 0, so it sees no input.
        assertEquals("[0, 0, 0]", java.util.Arrays.toString(MadeDegrees.hidden(3, 1)));
        assertEquals("[1, 2, 3, 1, 2, 3]", java.util.Arrays.toString(MadeDegrees.output(3, 2)));
    }

    @Test
    void reluBackwardPassesTheGradientExactlyWhereTheReluIsPositive() {
        // ReLU outputs as the forward pass leaves them: positive values (one tiny) and exact zeros.
        float[] act = {0f, 2.5f, 0f, 1e-30f, 7f, 0f};
        float[] grad = {1.5f, -2f, 3f, 4f, -0.25f, -9f};
        INDArray a = Nd4j.create(act, new long[] {2, 3}, 'f');
        INDArray out = Made.reluBackward(a, Nd4j.create(grad, new long[] {2, 3}, 'f'), null);
        for (int i = 0; i < act.length; i++) {
            assertEquals(act[i] > 0 ? grad[i] : 0f, out.data().getFloat(i), 0f, "element " + i);
        }
    }

    @Test
    void productOfMasksIsStrictlyLowerTriangular() {
        int d = 5;
        int h = 9;
        int[] in = MadeDegrees.input(d);
        int[] hid = MadeDegrees.hidden(h, d);
        int[] out = MadeDegrees.output(d, 2);
        INDArray path = Nd4j.create(MadeDegrees.mask(in, hid, false));
        for (int b = 0; b < 3; b++) {
            path = path.mmul(Nd4j.create(MadeDegrees.mask(hid, hid, false)));
        }
        path = path.mmul(Nd4j.create(MadeDegrees.mask(hid, out, true)));
        for (int i = 0; i < d; i++) {
            for (int o = 0; o < 2 * d; o++) {
                int target = o % d;
                boolean connected = path.getDouble(i, o) > 0;
                assertEquals(i < target, connected, "input " + i + " -> output " + o);
            }
        }
    }

    /**
     * Test 1: on the built DL4J network, perturbing input j of a layer moves output i exactly when
     * i >= j (u_i depends on x_i and on x_<i through the conditioner), and never when i < j.
     */
    @ParameterizedTest(name = "D={0} H={1} blocks={2}")
    @CsvSource({"2,4,1", "5,12,2", "8,16,0", "8,64,2"})
    void eachLayerIsTriangularInItsOwnOrder(int d, int h, int blocks) {
        FlowArchitecture arch = new FlowArchitecture(d, h, blocks, 3, FlowArchitecture.PermutationKind.RANDOM, 3L);
        MaskedAutoregressiveFlow flow = TestFlows.randomFlow(arch, 5L);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 4, d);
        for (var layer : flow.network().getLayers()) {
            if (!(layer instanceof MaskedAffineLayerImpl maf)) {
                continue;
            }
            INDArray u0 = maf.transform().forward(x).outputs();
            for (int j = 0; j < d; j++) {
                INDArray xp = x.dup();
                xp.getColumn(j).addi(0.37);
                INDArray du = maf.transform().forward(xp).outputs().sub(u0);
                for (int i = 0; i < d; i++) {
                    double moved = du.getColumn(i).norm1Number().doubleValue();
                    if (i < j) {
                        assertEquals(0.0, moved, 0.0, "output " + i + " moved when input " + j + " changed");
                    } else {
                        assertTrue(moved > 1e-9, "output " + i + " ignores input " + j);
                    }
                }
            }
        }
    }

    /** Test 2: inverse(forward(x)) == x to 1e-10 for random nets, standardisation included. */
    @ParameterizedTest(name = "D={0} permutation={1}")
    @CsvSource({"1,REVERSE", "3,RANDOM", "8,REVERSE"})
    void inverseUndoesForward(int d, FlowArchitecture.PermutationKind perm) {
        FlowArchitecture arch = new FlowArchitecture(d, 16, 2, 4, perm, 9L);
        MaskedAutoregressiveFlow random = TestFlows.randomFlow(arch, 21L);
        double[] mean = new double[d];
        double[] scale = new double[d];
        for (int j = 0; j < d; j++) {
            mean[j] = 3.0 * j - 1;
            scale[j] = 0.5 + j;
        }
        MaskedAutoregressiveFlow flow = new MaskedAutoregressiveFlow(arch, new Standardization(mean, scale),
                random.network());
        // 2500 rows: a full block of inference (MaskedAutoregressiveFlow.BLOCK_ROWS) and a partial one.
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2500, d).muli(2.0);
        INDArray back = flow.inverse(flow.forward(x).outputs());
        double err = back.sub(x).amaxNumber().doubleValue();
        assertTrue(err < 1e-10, "max |inverse(forward(x)) - x| = " + err);
    }

    /** Test 3: the log-determinant equals log|det J| of a central finite-difference Jacobian. */
    @ParameterizedTest(name = "D={0}")
    @CsvSource({"2", "4"})
    void logDetMatchesFiniteDifferenceJacobian(int d) {
        FlowArchitecture arch = new FlowArchitecture(d, 10, 2, 3, FlowArchitecture.PermutationKind.RANDOM, 1L);
        MaskedAutoregressiveFlow flow = new MaskedAutoregressiveFlow(arch,
                new Standardization(new double[d], java.util.stream.DoubleStream.generate(() -> 1.7).limit(d).toArray()),
                TestFlows.randomFlow(arch, 2L).network());
        double eps = 1e-5;
        INDArray xs = Nd4j.randn(DataType.DOUBLE, 5, d);
        for (int r = 0; r < xs.rows(); r++) {
            INDArray x = xs.getRow(r, true);
            double[][] jac = new double[d][d];
            for (int j = 0; j < d; j++) {
                INDArray plus = x.dup();
                INDArray minus = x.dup();
                plus.putScalar(0, j, x.getDouble(0, j) + eps);
                minus.putScalar(0, j, x.getDouble(0, j) - eps);
                INDArray diff = flow.forward(plus).outputs().sub(flow.forward(minus).outputs()).divi(2 * eps);
                for (int i = 0; i < d; i++) {
                    jac[i][j] = diff.getDouble(0, i);
                }
            }
            double fd = Math.log(Math.abs(new LUDecomposition(new Array2DRowRealMatrix(jac)).getDeterminant()));
            double exact = flow.forward(x).logAbsDet().getDouble(0, 0);
            // Central differences err by O(eps^2 * f''') ~ 1e-10 per entry; 1e-6 leaves ample room.
            assertEquals(fd, exact, 1e-6, "row " + r);
        }
    }

    /** Test 5: a random 2-D flow's density integrates to 1 over a box holding all its mass. */
    @Test
    void randomFlowDensityIntegratesToOne() {
        FlowArchitecture arch = new FlowArchitecture(2, 8, 1, 3, FlowArchitecture.PermutationKind.REVERSE, 0L);
        MaskedAutoregressiveFlow flow = TestFlows.randomFlow(arch, 33L);
        // The box: the range of 20k samples widened by half its size on each side.
        INDArray s = flow.sample(20_000, 1L);
        double[] lo = new double[2];
        double[] hi = new double[2];
        for (int j = 0; j < 2; j++) {
            double min = s.getColumn(j).minNumber().doubleValue();
            double max = s.getColumn(j).maxNumber().doubleValue();
            lo[j] = min - 0.5 * (max - min);
            hi[j] = max + 0.5 * (max - min);
        }
        int n = 700;
        double h0 = (hi[0] - lo[0]) / n;
        double h1 = (hi[1] - lo[1]) / n;
        double[] grid = new double[n * n * 2];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                grid[2 * (i * n + j)] = lo[0] + (i + 0.5) * h0;
                grid[2 * (i * n + j) + 1] = lo[1] + (j + 0.5) * h1;
            }
        }
        INDArray lp = flow.logProb(Nd4j.create(grid, new long[] {(long) n * n, 2}, 'c'));
        double mass = org.nd4j.linalg.ops.transforms.Transforms.exp(lp, false).sumNumber().doubleValue() * h0 * h1;
        assertEquals(1.0, mass, 1e-2, "integral of p over the box");
    }

    @Test
    void softplusScaleIsFiniteForExtremeInputs() {
        for (double raw : new double[] {-1e30, -1000, -50, 0, 50, 1000, 1e30}) {
            double v = MaskedAffineTransform.scale(raw);
            assertTrue(Double.isFinite(v) && v >= MaskedAffineTransform.MIN_SCALE, "scale " + v);
        }
        assertEquals(1000.001, MaskedAffineTransform.scale(1000), 1e-9);
        assertEquals(Math.log(2) + 1e-3, MaskedAffineTransform.scale(0), 1e-15);
        // softplus(-50) = log1p(e^-50) = e^-50 to double precision: the scale is its floor plus that.
        assertEquals(1e-3 + Math.exp(-50), MaskedAffineTransform.scale(-50), 1e-18);
    }
}
