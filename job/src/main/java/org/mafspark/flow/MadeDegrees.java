package org.mafspark.flow;

/**
 * Degree assignment and connectivity masks of a MADE conditioner, exactly as nflows assigns them.
 *
 * <p>Inputs get degrees {@code 1..D}; hidden units get {@code k mod max(1, D-1) + min(1, D-1)};
 * outputs are tiled per input (one block of {@code D} per autoregressive parameter). A hidden unit
 * may see an input of degree {@code <=} its own; an output may only see hidden units of strictly
 * smaller degree, which makes output {@code i} depend on inputs {@code 1..i-1} only.
 */
public final class MadeDegrees {
    private MadeDegrees() {}

    /** Degrees {@code 1..features} of the inputs. */
    public static int[] input(int features) {
        int[] d = new int[features];
        for (int i = 0; i < features; i++) {
            d[i] = i + 1;
        }
        return d;
    }

    /** Sequential degrees of {@code units} hidden units for {@code features} autoregressive inputs. */
    public static int[] hidden(int units, int features) {
        int max = Math.max(1, features - 1);
        int min = Math.min(1, features - 1);
        int[] d = new int[units];
        for (int k = 0; k < units; k++) {
            d[k] = k % max + min;
        }
        return d;
    }

    /** Output degrees: the input degrees tiled {@code multiplier} times. */
    public static int[] output(int features, int multiplier) {
        int[] d = new int[features * multiplier];
        for (int m = 0; m < multiplier; m++) {
            for (int i = 0; i < features; i++) {
                d[m * features + i] = i + 1;
            }
        }
        return d;
    }

    /**
     * A 0/1 mask in DL4J weight orientation {@code [nIn, nOut]}: entry {@code (i, o)} is 1 when
     * output unit {@code o} may read input unit {@code i}.
     *
     * @param strict true for the output layer ({@code out > in}), false for hidden layers
     *     ({@code out >= in})
     */
    public static double[][] mask(int[] inDegrees, int[] outDegrees, boolean strict) {
        double[][] m = new double[inDegrees.length][outDegrees.length];
        for (int i = 0; i < inDegrees.length; i++) {
            for (int o = 0; o < outDegrees.length; o++) {
                boolean connected = strict ? outDegrees[o] > inDegrees[i] : outDegrees[o] >= inDegrees[i];
                m[i][o] = connected ? 1.0 : 0.0;
            }
        }
        return m;
    }
}
