package org.mafspark.flow;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs an elementwise pass of the flow over the rows of a batch in blocks, on as many threads as
 * the matrix products may use ({@link NativeThreads#blasThreads}: all cores in one JVM, the task's
 * share of them under Spark).
 *
 * <p>Why: the passes run on the heap ({@link HostArrays}) and cost two transcendental functions per
 * element, ~15 ns in Java against libnd4j's vectorised float loops; on one thread a 64k-row
 * {@code logProb} spent longer there than ND4J's ops had. Blocks of rows keep the heap arrays in
 * the CPU's cache, and rows are independent, so the blocks split across threads with no
 * coordination but the join.
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
        int blocks = (n + blockRows - 1) / blockRows;
        int threads = Math.min(blocks, NativeThreads.blasThreads());
        if (threads <= 1) {
            runBlocks(0, blocks, n, blockRows, pass);
            return;
        }
        List<Future<?>> others = new ArrayList<>();
        for (int t = 1; t < threads; t++) {
            int first = blocks * t / threads;
            int last = blocks * (t + 1) / threads;
            others.add(POOL.submit(() -> runBlocks(first, last, n, blockRows, pass)));
        }
        runBlocks(0, blocks / threads, n, blockRows, pass);
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
