package org.mafspark.flow.dl4j;

import java.util.Map;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.mafspark.flow.NativeThreads;
import org.mafspark.flow.SpinningWorkers;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * DL4J's Adam (same settings, same state layout and the same update rule as libnd4j's
 * {@code adam_updater}, bias correction folded into the step size), its update computed by a Java
 * loop over heap copies of the gradient and the two moments.
 *
 * <p>Why: libnd4j's op took 1.3 ms per call on the flow's 91,280 parameters (2.3 ms with other
 * jobs on the machine; float, one thread, measured on a trained network's own updater), 6.5-10% of
 * a training step's profile samples; three bulk copies in, the loop and three copies out take
 * 0.2-0.6 ms. The state stays in DL4J's view array, so parameter averaging on Spark and training
 * checkpoints see what they always saw.
 */
public class HeapAdam extends Adam {
    private static final long serialVersionUID = 1L;

    /** For JSON (dl4j-spark ships configurations as JSON): settings come through the setters. */
    public HeapAdam() {
        super();
    }

    public HeapAdam(double learningRate, double beta1, double beta2, double epsilon) {
        super(learningRate, beta1, beta2, epsilon);
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        Updater u = new Updater(this);
        // As Adam lays out its state: [m, v] halves of one row.
        long[] gradientShape = viewArray.shape().clone();
        gradientShape[1] /= 2;
        u.setStateViewArray(viewArray, gradientShape, viewArray.ordering(), initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> state, boolean initializeStateArrays) {
        Updater u = new Updater(this);
        u.setState(state, initializeStateArrays);
        return u;
    }

    @Override
    public HeapAdam clone() {
        HeapAdam c = new HeapAdam(getLearningRate(), getBeta1(), getBeta2(), getEpsilon());
        c.setLearningRateSchedule(getLearningRateSchedule() == null ? null : getLearningRateSchedule().clone());
        return c;
    }

    /** The updater: {@link AdamUpdater}'s state handling, the update on the heap. */
    static final class Updater extends AdamUpdater {
        /** Fewer parameters than this update on one thread: the hand-off would cost more than it saves. */
        static final int SPLIT_PARAMETERS = 16_384;

        private float[] g = new float[0];
        private float[] m = new float[0];
        private float[] v = new float[0];

        Updater(Adam config) {
            super(config);
        }

        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            INDArray mState = getM();
            INDArray vState = getV();
            if (mState == null || vState == null) {
                throw new IllegalStateException("Updater has not been initialized with view state");
            }
            if (!contiguous(gradient) || !contiguous(mState) || !contiguous(vState)
                    || gradient.dataType() != mState.dataType() || gradient.dataType() != vState.dataType()) {
                super.applyUpdater(gradient, iteration, epoch);
                return;
            }
            Adam c = getConfig();
            double lr = c.getLearningRate(iteration, epoch);
            int n = (int) gradient.length();
            if (gradient.dataType() == DataType.FLOAT) {
                // libnd4j's arithmetic for float arrays: settings rounded to float first, the bias
                // corrections of both moments folded into one step size.
                float beta1 = (float) c.getBeta1();
                float beta2 = (float) c.getBeta2();
                float epsilon = (float) c.getEpsilon();
                float beta1T = (float) Math.pow(beta1, iteration + 1);
                float beta2T = (float) Math.pow(beta2, iteration + 1);
                float step = (float) ((float) lr * (float) Math.sqrt((float) (1.0 - beta2T)) / (1.0 - beta1T));
                if (!Float.isFinite(step) || step == 0) {
                    step = epsilon;
                }
                updateFloat(gradient, mState, vState, n, beta1, beta2, epsilon, step);
            } else {
                double beta1 = c.getBeta1();
                double beta2 = c.getBeta2();
                double epsilon = c.getEpsilon();
                double step = lr * Math.sqrt(1 - Math.pow(beta2, iteration + 1)) / (1 - Math.pow(beta1, iteration + 1));
                if (!Double.isFinite(step) || step == 0) {
                    step = epsilon;
                }
                updateDouble(gradient, mState, vState, n, beta1, beta2, epsilon, step);
            }
        }

        private void updateFloat(INDArray gradient, INDArray mState, INDArray vState, int n, float beta1, float beta2,
                float epsilon, float step) {
            if (g.length < n) {
                g = new float[n];
                m = new float[n];
                v = new float[n];
            }
            FloatPointer gp = (FloatPointer) gradient.data().addressPointer();
            FloatPointer mp = (FloatPointer) mState.data().addressPointer();
            FloatPointer vp = (FloatPointer) vState.data().addressPointer();
            int parts = parts(n);
            if (parts == 1) {
                updateFloat(gp, mp, vp, 0, n, beta1, beta2, epsilon, step);
                return;
            }
            SpinningWorkers.run(parts, k -> updateFloat(gp, mp, vp, (int) ((long) n * k / parts),
                    (int) ((long) n * (k + 1) / parts), beta1, beta2, epsilon, step));
        }

        /**
         * Threads for an update of {@code n} parameters: those the JVM's row-split work may use, or
         * one below {@link #SPLIT_PARAMETERS}. Why: with the training step's shares on two cores the
         * update became 14% of the main thread's samples (JFR, 91,280 parameters); in two parts a call
         * takes 86-102 us against 193-261 on one thread (measured). Elementwise, so the parts are
         * independent and the result the same however it is split.
         */
        private static int parts(int n) {
            return n < SPLIT_PARAMETERS ? 1 : NativeThreads.rowThreads();
        }

        /** Elements {@code from..to-1}: bulk copies in, the update, bulk copies out. */
        private void updateFloat(FloatPointer gp, FloatPointer mp, FloatPointer vp, int from, int to, float beta1,
                float beta2, float epsilon, float step) {
            int len = to - from;
            FloatPointer gq = gp.getPointer(from);
            FloatPointer mq = mp.getPointer(from);
            FloatPointer vq = vp.getPointer(from);
            gq.get(g, from, len);
            mq.get(m, from, len);
            vq.get(v, from, len);
            for (int i = from; i < to; i++) {
                float gi = g[i];
                float mi = beta1 * m[i] + gi * (1 - beta1);
                float vi = beta2 * v[i] + gi * gi * (1 - beta2);
                m[i] = mi;
                v[i] = vi;
                g[i] = mi * step / ((float) Math.sqrt(vi) + epsilon);
            }
            gq.put(g, from, len);
            mq.put(m, from, len);
            vq.put(v, from, len);
        }

        /** Double networks (gradient checks, tests) take the same loop in double, unbuffered. */
        private static void updateDouble(INDArray gradient, INDArray mState, INDArray vState, int n, double beta1,
                double beta2, double epsilon, double step) {
            double[] gd = new double[n];
            double[] md = new double[n];
            double[] vd = new double[n];
            DoublePointer gp = (DoublePointer) gradient.data().addressPointer();
            DoublePointer mp = (DoublePointer) mState.data().addressPointer();
            DoublePointer vp = (DoublePointer) vState.data().addressPointer();
            gp.get(gd, 0, n);
            mp.get(md, 0, n);
            vp.get(vd, 0, n);
            for (int i = 0; i < n; i++) {
                double gi = gd[i];
                double mi = beta1 * md[i] + gi * (1 - beta1);
                double vi = beta2 * vd[i] + gi * gi * (1 - beta2);
                md[i] = mi;
                vd[i] = vi;
                gd[i] = mi * step / (Math.sqrt(vi) + epsilon);
            }
            gp.put(gd, 0, n);
            mp.put(md, 0, n);
            vp.put(vd, 0, n);
        }

        /** One unit-stride run of elements: what a bulk copy reads. */
        private static boolean contiguous(INDArray a) {
            return (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE) && a.length() > 0
                    && a.elementWiseStride() == 1 && a.length() < Integer.MAX_VALUE;
        }
    }
}
