package org.mafspark.flow;

import java.util.function.Supplier;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ND4J's threading for the flow's array sizes, set once per JVM before the first flow pass.
 *
 * <p>libnd4j splits every elementwise op over its thread pool, and at the flow's minibatch sizes
 * the hand-off costs more than the work: a 512 x 64 float op took 29 us on two threads against
 * 6.6 us on one (2-core machine, measured with {@code OMP_NUM_THREADS=2}), and a training step runs
 * about 300 such ops. Elementwise ops therefore run on the calling thread, while the matrix products
 * keep the BLAS thread count ND4J started with ({@code OMP_NUM_THREADS}) until
 * {@link #setBlasThreads} changes it (the Spark plumbing does, to share cores among tasks; training
 * in one JVM runs its minibatch steps on one, see {@link #withOneBlasThread}). On
 * 64k-row scoring batches the change measured within noise. Work split by rows (inference blocks,
 * the shares of a training step) uses as many threads as that count ({@link #rowThreads}), each
 * with one BLAS thread.
 */
public final class NativeThreads {
    private static final Logger LOG = LoggerFactory.getLogger(NativeThreads.class);
    private static volatile boolean configured;
    /** The threads this JVM's (or Spark task's) work may use: BLAS's count before any lowering to one. */
    private static volatile int rowThreads = 1;

    private NativeThreads() {}

    /**
     * Sets the threads each BLAS call may use (OpenBLAS's count is process-wide), after
     * {@link #ensureConfigured}.
     */
    public static void setBlasThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("BLAS threads must be >= 1, got " + threads);
        }
        ensureConfigured();
        Nd4j.factory().blas().setMaxThreads(threads);
        rowThreads = threads;
    }

    /**
     * The threads that work split by rows may use (inference blocks, the shares of a training
     * step): the count last set by {@link #setBlasThreads} (or ND4J's own at start), which
     * {@link #withOneBlasThread} leaves as it is.
     */
    public static int rowThreads() {
        ensureConfigured();
        return rowThreads;
    }

    /** The threads each BLAS call may use now. */
    public static int blasThreads() {
        return Nd4j.factory().blas().getMaxThreads();
    }

    /**
     * Runs {@code work} with one BLAS thread, then restores the count: the setting for training
     * steps in one JVM, and for inference, which spreads blocks of rows over the threads instead. At minibatch sizes OpenBLAS's second thread never paid with its AVX-512
     * kernels: a {@code 512 x 64 x 64} product took 51.6 us on one thread and 58.5 on two,
     * {@code 4096 x 64 x 64} 410 and 408 (2 cores, measured), and a whole step of batch 512 ran
     * 10-15% faster on one. The count is process-wide, so concurrent work in the JVM sees it too.
     */
    public static <T> T withOneBlasThread(Supplier<T> work) {
        ensureConfigured();
        int before = blasThreads();
        if (before == 1) {
            return work.get();
        }
        Nd4j.factory().blas().setMaxThreads(1);
        try {
            return work.get();
        } finally {
            Nd4j.factory().blas().setMaxThreads(before);
        }
    }

    /** Applies the setting once; later calls return at once. */
    public static void ensureConfigured() {
        if (configured) {
            return;
        }
        synchronized (NativeThreads.class) {
            if (configured) {
                return;
            }
            // setMaxThreads also lowers OpenBLAS's threads: put them back.
            int blasThreads = Nd4j.factory().blas().getMaxThreads();
            Nd4j.getEnvironment().setMaxThreads(1);
            Nd4j.getEnvironment().setMaxMasterThreads(1);
            Nd4j.factory().blas().setMaxThreads(blasThreads);
            rowThreads = Math.max(1, blasThreads);
            LOG.debug("ND4J: elementwise ops on the calling thread, BLAS on {} threads", blasThreads);
            BlasKernels.adviseOnce();
            configured = true;
        }
    }
}
