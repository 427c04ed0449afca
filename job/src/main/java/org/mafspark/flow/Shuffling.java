package org.mafspark.flow;

import java.util.Random;

/** Seeded Fisher-Yates shuffles of row orders, shared by the one-JVM and the distributed trainer. */
public final class Shuffling {
    private Shuffling() {}

    /** A uniformly random permutation of {@code 0..n-1}. */
    public static int[] shuffled(int n, Random rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        shuffle(p, rng);
        return p;
    }

    /** Shuffles {@code a} in place. */
    public static void shuffle(int[] a, Random rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int k = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[k];
            a[k] = t;
        }
    }
}
