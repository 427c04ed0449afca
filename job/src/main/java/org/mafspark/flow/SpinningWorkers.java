package org.mafspark.flow;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Runs the shares of a short, often repeated piece of work on worker threads that wait for the
 * next share by spinning for a while before they park, and waits for them by spinning too.
 *
 * <p>Why: a training step hands its layers' shares out ten times per minibatch, each a few
 * hundred microseconds of work, and with a thread pool each hand-off woke a parked thread and each
 * join a parked caller (on this 2-core VM: a layer's forward pass took 750-1,200 us from fork to
 * join for two 256-row shares of 460-820 us each). A worker spins for {@link #SPIN_NANOS} after
 * each share, so the shares of one step find it awake, and parks between bursts of work. The
 * spinning yields: while the JIT compiler still has work, it gets the core. Measured, 28 s of
 * batch-512 steps, alternated twice: 9.35 / 9.48 ms per step with a pool, 8.31 / 8.46 spinning
 * (0.5 ms of spinning instead of 2 was slower, 6.7-7.3 against 5.1 ms per step late in one run).
 * Inference's blocks of rows ({@link RowBlocks}) and Adam's parts run on the same workers.
 */
public final class SpinningWorkers {
    /** How long a worker spins for its next share before it parks. */
    static final long SPIN_NANOS = 2_000_000;

    private static final List<Worker> WORKERS = new ArrayList<>();

    private SpinningWorkers() {}

    /**
     * Runs {@code share.accept(k)} for {@code k = 0..shares-1}: share 0 on the calling thread, the
     * others on idle workers (on the calling thread too when none is idle: concurrent callers never
     * wait for each other's workers). Returns when every share is done; rethrows the first failure.
     */
    public static void run(int shares, IntConsumer share) {
        List<Worker> taken = new ArrayList<>();
        try {
            for (int k = 1; k < shares; k++) {
                Worker w = idle();
                if (w == null) {
                    break;
                }
                taken.add(w);
                w.start(k, share);
            }
            share.accept(0);
            for (int k = taken.size() + 1; k < shares; k++) {
                share.accept(k);
            }
        } finally {
            Throwable failure = null;
            for (Worker w : taken) {
                Throwable t = w.join();
                if (failure == null) {
                    failure = t;
                }
            }
            if (failure instanceof RuntimeException re) {
                throw re;
            }
            if (failure instanceof Error e) {
                throw e;
            }
            if (failure != null) {
                throw new IllegalStateException(failure);
            }
        }
    }

    /** An idle worker, now reserved for the caller, or null when the machine's threads are all in use. */
    private static Worker idle() {
        synchronized (WORKERS) {
            for (Worker w : WORKERS) {
                if (w.busy.compareAndSet(false, true)) {
                    return w;
                }
            }
            if (WORKERS.size() + 1 >= Runtime.getRuntime().availableProcessors()) {
                return null;
            }
            Worker w = new Worker(WORKERS.size());
            w.busy.set(true);
            WORKERS.add(w);
            w.thread.start();
            return w;
        }
    }

    private static final class Worker {
        final AtomicBoolean busy = new AtomicBoolean();
        final Thread thread;
        private volatile IntConsumer task;
        private volatile int index;
        private volatile boolean done;
        private volatile Throwable failure;

        Worker(int id) {
            thread = new Thread(this::loop, "maf-step-share-" + id);
            thread.setDaemon(true);
        }

        void start(int k, IntConsumer share) {
            index = k;
            failure = null;
            done = false;
            task = share;
            LockSupport.unpark(thread);
        }

        /** Waits for the share, releases the worker and returns the share's failure (or null). */
        Throwable join() {
            while (!done) {
                Thread.yield();
            }
            Throwable t = failure;
            busy.set(false);
            return t;
        }

        private void loop() {
            while (true) {
                IntConsumer t = next();
                try {
                    t.accept(index);
                } catch (Throwable e) {
                    failure = e;
                } finally {
                    task = null;
                    done = true;
                }
            }
        }

        private IntConsumer next() {
            long since = System.nanoTime();
            IntConsumer t;
            while ((t = task) == null) {
                if (System.nanoTime() - since < SPIN_NANOS) {
                    Thread.yield();
                } else {
                    LockSupport.park(this);
                }
            }
            return t;
        }
    }
}
