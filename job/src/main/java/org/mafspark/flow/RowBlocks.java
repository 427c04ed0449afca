package org.mafspark.flow;

import java.util.function.Supplier;

/**
 * Runs work on the rows of a batch in blocks, on up to as many threads as the matrix products may
 * use ({@link NativeThreads#rowThreads}: all cores in one JVM, the task's share under Spark):
 * inference pushes each block through the whole flow ({@link MaskedAutoregressiveFlow}), the
 * affine transforms' elementwise passes work through their rows the same way.
 *
 * <p>Why: rows are independent, so blocks split across threads with no coordination but the join,
 * and a block's arrays stay in the CPU's cache. Work that holds buffers gets one pass object per
 * thread.
 */
final class RowBlocks {
    /** One pass over rows {@code from..to-1}. */
    interface Pass {
        void run(int from, int to);
    }

    private RowBlocks() {}

    /** Runs {@code pass} on every block of {@code blockRows} rows (the last may be shorter) of {@code n}. */
    static void run(int n, int blockRows, Pass pass) {
        run(n, blockRows, () -> pass);
    }

    /**
     * As {@link #run(int, int, Pass)}, each thread running the blocks it takes through its own pass
     * from {@code perThread} (for passes that hold buffers). The threads are {@link SpinningWorkers}',
     * the calling thread taking the first range of blocks.
     */
    static void run(int n, int blockRows, Supplier<Pass> perThread) {
        int blocks = (n + blockRows - 1) / blockRows;
        int threads = Math.min(blocks, NativeThreads.rowThreads());
        if (blocks == 0) {
            return;
        }
        if (threads <= 1) {
            runBlocks(0, blocks, n, blockRows, perThread.get());
            return;
        }
        SpinningWorkers.run(threads,
                t -> runBlocks(blocks * t / threads, blocks * (t + 1) / threads, n, blockRows, perThread.get()));
    }

    private static void runBlocks(int first, int last, int n, int blockRows, Pass pass) {
        for (int b = first; b < last; b++) {
            pass.run(b * blockRows, Math.min(n, (b + 1) * blockRows));
        }
    }
}
