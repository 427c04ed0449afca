package org.mafspark.flow;

/**
 * Shape of a masked autoregressive flow. Defaults match nflows' {@code MaskedAffineAutoregressiveTransform}
 * stacked as in the seed notebook: 5 layers, 2 residual blocks per MADE, no batch norm, no dropout,
 * permutations between layers (reverse by default).
 *
 * @param features number of input features {@code D}
 * @param hidden hidden units per MADE layer
 * @param blocks residual blocks per MADE
 * @param layers number of autoregressive transforms
 * @param permutation how features are re-ordered after each transform
 * @param permutationSeed seed of the random permutations (ignored for {@code REVERSE})
 */
public record FlowArchitecture(int features, int hidden, int blocks, int layers, PermutationKind permutation,
        long permutationSeed) {
    public static final int DEFAULT_HIDDEN = 64;
    public static final int DEFAULT_BLOCKS = 2;
    public static final int DEFAULT_LAYERS = 5;

    /** How the features are re-ordered between transforms. */
    public enum PermutationKind { REVERSE, RANDOM }

    public FlowArchitecture {
        if (features < 1) {
            throw new IllegalArgumentException("features must be >= 1, got " + features);
        }
        if (hidden < 1) {
            throw new IllegalArgumentException("hidden must be >= 1, got " + hidden);
        }
        if (blocks < 0) {
            throw new IllegalArgumentException("blocks must be >= 0, got " + blocks);
        }
        if (layers < 1) {
            throw new IllegalArgumentException("layers must be >= 1, got " + layers);
        }
        if (permutation == null) {
            throw new IllegalArgumentException("permutation must be set");
        }
    }

    /** The default architecture for {@code features} features. */
    public static FlowArchitecture defaults(int features) {
        return new FlowArchitecture(features, DEFAULT_HIDDEN, DEFAULT_BLOCKS, DEFAULT_LAYERS, PermutationKind.REVERSE, 0L);
    }

    public FlowArchitecture withHidden(int h) {
        return new FlowArchitecture(features, h, blocks, layers, permutation, permutationSeed);
    }

    public FlowArchitecture withBlocks(int b) {
        return new FlowArchitecture(features, hidden, b, layers, permutation, permutationSeed);
    }

    public FlowArchitecture withLayers(int l) {
        return new FlowArchitecture(features, hidden, blocks, l, permutation, permutationSeed);
    }

    public FlowArchitecture withRandomPermutations(long seed) {
        return new FlowArchitecture(features, hidden, blocks, layers, PermutationKind.RANDOM, seed);
    }

    /** The permutation that follows transform {@code layer}. */
    public Permutation permutationAfter(int layer) {
        return permutation == PermutationKind.REVERSE
                ? Permutation.reverse(features)
                : Permutation.random(features, permutationSeed * 1_000_003L + layer);
    }

    /** Parameters of the whole flow. */
    public long numParams() {
        return layers * new MadeLayout(features, hidden, blocks).numParams();
    }

    /** Multiply-adds per row of one forward pass, times 2: the FLOPs of the matrix products. */
    public long forwardFlopsPerRow() {
        long macs = (long) features * hidden + 2L * blocks * hidden * hidden + 2L * hidden * features;
        return 2L * layers * macs;
    }
}
