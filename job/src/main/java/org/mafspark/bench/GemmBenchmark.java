package org.mafspark.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.mafspark.flow.Gemm;
import org.mafspark.flow.NativeThreads;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's sgemm throughput on this machine: the ceiling that a flow's matrix products can reach.
 * Operands are preallocated and the product is written into a preallocated result, so only the
 * BLAS call is timed.
 */
public final class GemmBenchmark {
    /** Rough wall time of one timed round of {@link #measurePerCore}: long enough to time, short enough to repeat. */
    private static final double ROUND_SECONDS = 0.01;

    private GemmBenchmark() {}

    /** Times {@code [m x k] x [k x n]} in float32: {@code warmup} untimed runs, then {@code reps} timed ones. */
    public static GemmResult measure(long m, long k, long n, int warmup, int reps, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray a = Nd4j.rand(DataType.FLOAT, m, k);
        INDArray b = Nd4j.rand(DataType.FLOAT, k, n);
        // Fortran order is BLAS's native layout: no transposition copy inside the call.
        INDArray c = Nd4j.createUninitialized(DataType.FLOAT, new long[] {m, n}, 'f');
        double[] t = Timing.seconds(warmup, reps, () -> Nd4j.gemm(a, b, c, false, false, 1.0, 0.0));
        double flops = 2.0 * m * k * n;
        double median = Timing.median(t);
        double best = Timing.min(t);
        return new GemmResult(m, k, n, 1, median, flops / median / 1e9, best, flops / best / 1e9, reps);
    }

    /**
     * Times {@code [m x k] x [k x n]} in float32 run by {@code threads} threads at once, each on one
     * BLAS thread with operands and a result of its own, straight through BLAS as the flow calls it
     * ({@link Gemm}): {@code warmup} untimed rounds, then {@code reps} timed ones, every thread
     * starting a round together and a round's time that of its slowest thread.
     *
     * <p>Why beside {@link #measure}: the flow runs its products as blocks of rows that stay in a
     * core's cache, one block per core. A single product over 65,536 rows streams 48 MB through
     * memory per call, so on a machine shared with other jobs its rate follows their memory
     * traffic (44-171 GFLOP/s in one day's runs) and understates what the cores compute: in one
     * JVM alternated six times, 2,048-row products one per core read 137-199 GFLOP/s where the
     * 65,536-row product read 77-114.
     */
    public static GemmResult measurePerCore(long m, long k, long n, int threads, int warmup, int reps) {
        double flops = 2.0 * m * k * n;
        int perRound = (int) Math.max(1, Math.round(ROUND_SECONDS * 50e9 / flops));
        CyclicBarrier start = new CyclicBarrier(threads);
        long[][] nanos = new long[threads][reps];
        List<Thread> workers = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    INDArray a = Nd4j.rand(DataType.FLOAT, 'f', m, k);
                    INDArray b = Nd4j.rand(DataType.FLOAT, 'f', k, n);
                    INDArray c = Nd4j.createUninitialized(DataType.FLOAT, new long[] {m, n}, 'f');
                    for (int r = -warmup; r < reps; r++) {
                        start.await();
                        long t0 = System.nanoTime();
                        for (int i = 0; i < perRound; i++) {
                            Gemm.gemm(a, false, b, false, c, 1.0, 0.0);
                        }
                        if (r >= 0) {
                            nanos[id][r] = System.nanoTime() - t0;
                        }
                    }
                } catch (Exception | Error e) {
                    synchronized (failure) {
                        if (failure[0] == null) {
                            failure[0] = e;
                        }
                    }
                    start.reset();
                }
            }, "maf-sgemm-" + t);
            workers.add(w);
        }
        NativeThreads.withOneBlasThread(() -> {
            workers.forEach(Thread::start);
            for (Thread w : workers) {
                try {
                    w.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while timing sgemm", e);
                }
            }
            return null;
        });
        if (failure[0] != null) {
            throw new IllegalStateException("sgemm timing failed", failure[0]);
        }
        double[] t = new double[reps];
        for (int r = 0; r < reps; r++) {
            long slowest = 0;
            for (long[] thread : nanos) {
                slowest = Math.max(slowest, thread[r]);
            }
            t[r] = slowest / 1e9 / perRound;
        }
        double median = Timing.median(t);
        double best = Timing.min(t);
        double roundFlops = threads * flops;
        return new GemmResult(m, k, n, threads, median, roundFlops / median / 1e9, best, roundFlops / best / 1e9,
                reps);
    }
}
