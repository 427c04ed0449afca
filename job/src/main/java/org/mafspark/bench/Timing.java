package org.mafspark.bench;

import java.util.Arrays;

/** Repeated wall-clock measurements reduced to their median, which ignores a noisy neighbour's spikes, or their best. */
final class Timing {
    private Timing() {}

    /** Runs {@code body} {@code warmup} times untimed, then {@code reps} times; each timed run's seconds. */
    static double[] seconds(int warmup, int reps, Runnable body) {
        for (int i = 0; i < warmup; i++) {
            body.run();
        }
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            body.run();
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        return t;
    }

    static double min(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double x : v) {
            m = Math.min(m, x);
        }
        return m;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }
}
