package org.mafspark.flow;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Where each parameter of one MADE conditioner lives in a flat parameter vector.
 *
 * <p>Keys hold no underscore: DL4J 1.0.0-M2's updater fails on such keys. Weights are stored in
 * DL4J's orientation {@code [nIn, nOut]}, column-major ('f'), like DL4J's dense layers.
 */
public final class MadeLayout {
    /** Key of the input layer's weights {@code [D, H]}. */
    public static final String W_IN = "Win";
    /** Key of the input layer's bias {@code [1, H]}. */
    public static final String B_IN = "bin";
    /** Key of the output layer's weights {@code [H, 2D]}. */
    public static final String W_OUT = "Wout";
    /** Key of the output layer's bias {@code [1, 2D]}. */
    public static final String B_OUT = "bout";

    private final int features;
    private final int hidden;
    private final int blocks;
    private final Map<String, long[]> shapes = new LinkedHashMap<>();

    public MadeLayout(int features, int hidden, int blocks) {
        if (features < 1 || hidden < 1 || blocks < 0) {
            throw new IllegalArgumentException("MADE needs features >= 1, hidden >= 1, blocks >= 0; got "
                    + features + ", " + hidden + ", " + blocks);
        }
        this.features = features;
        this.hidden = hidden;
        this.blocks = blocks;
        shapes.put(W_IN, new long[] {features, hidden});
        shapes.put(B_IN, new long[] {1, hidden});
        for (int b = 0; b < blocks; b++) {
            shapes.put(blockWeight(b, 1), new long[] {hidden, hidden});
            shapes.put(blockBias(b, 1), new long[] {1, hidden});
            shapes.put(blockWeight(b, 2), new long[] {hidden, hidden});
            shapes.put(blockBias(b, 2), new long[] {1, hidden});
        }
        shapes.put(W_OUT, new long[] {hidden, 2L * features});
        shapes.put(B_OUT, new long[] {1, 2L * features});
    }

    /** Key of the weights of linear layer {@code which} (1 or 2) of residual block {@code block}. */
    public static String blockWeight(int block, int which) {
        return "r" + block + "W" + which;
    }

    /** Key of the bias of linear layer {@code which} (1 or 2) of residual block {@code block}. */
    public static String blockBias(int block, int which) {
        return "r" + block + "b" + which;
    }

    public int features() {
        return features;
    }

    public int hidden() {
        return hidden;
    }

    public int blocks() {
        return blocks;
    }

    /** Parameter keys in storage order. */
    public List<String> keys() {
        return Collections.unmodifiableList(new ArrayList<>(shapes.keySet()));
    }

    public long[] shape(String key) {
        return shapes.get(key).clone();
    }

    public static boolean isBias(String key) {
        return key.startsWith("b") || BLOCK_BIAS.matcher(key).matches();
    }

    /** DL4J asks for every parameter on every step: the pattern is compiled once. */
    private static final Pattern BLOCK_BIAS = Pattern.compile("r\\d+b\\d");

    /** Total number of parameters. */
    public long numParams() {
        long n = 0;
        for (long[] s : shapes.values()) {
            n += s[0] * s[1];
        }
        return n;
    }

    /** Views, one per key, into a flat vector of {@link #numParams()} values. */
    public Map<String, INDArray> views(INDArray flat) {
        if (flat.length() != numParams()) {
            throw new IllegalArgumentException("expected " + numParams() + " parameters, got " + flat.length());
        }
        INDArray row = flat.rank() == 1 ? flat : flat.reshape(flat.length());
        Map<String, INDArray> out = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long[] s = e.getValue();
            long len = s[0] * s[1];
            INDArray part = row.get(NDArrayIndex.interval(offset, offset + len));
            out.put(e.getKey(), part.reshape('f', s[0], s[1]));
            offset += len;
        }
        return out;
    }
}
