package org.mafspark.flow;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "maf-flow-rows");
        t.setDaemon(true);
        return t;
    });

    private RowBlocks() {}

    /** Runs {@code pass} on every block of {@code blockRows} rows (the last may be shorter) of {@code n}. */
    static void run(int n, int blockRows, Pass pass) {
        run(n, blockRows, NativeThreads.rowThreads(), pass);
    }

    /** Runs {@code pass} on every block of {@code blockRows} rows of {@code n}, on up to {@code maxThreads} threads. */
    static void run(int n, int blockRows, int maxThreads, Pass pass) {
        run(n, blockRows, maxThreads, () -> pass);
    }

    /**
     * As {@link #run(int, int, int, Pass)}, each thread running the blocks it takes through its own
     * pass from {@code perThread} (for passes that hold buffers).
     */
    static void run(int n, int blockRows, int maxThreads, Supplier<Pass> perThread) {
        int blocks = (n + blockRows - 1) / blockRows;
        int threads = Math.min(blocks, maxThreads);
        if (blocks == 0) {
            return;
        }
        if (threads <= 1) {
            runBlocks(0, blocks, n, blockRows, perThread.get());
            return;
        }
        List<Future<?>> others = new ArrayList<>();
        for (int t = 1; t < threads; t++) {
            int first = blocks * t / threads;
            int last = blocks * (t + 1) / threads;
            others.add(POOL.submit(() -> runBlocks(first, last, n, blockRows, perThread.get())));
        }
        runBlocks(0, blocks / threads, n, blockRows, perThread.get());
        for (Future<?> f : others) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while scoring rows", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
            }
        }
    }

    private static void runBlocks(int first, int last, int n, int blockRows, Pass pass) {
        for (int b = first; b < last; b++) {
            pass.run(b * blockRows, Math.min(n, (b + 1) * blockRows));
        }
    }
}
