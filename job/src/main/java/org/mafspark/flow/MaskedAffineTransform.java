package org.mafspark.flow;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One masked affine autoregressive transform: {@code u_i = x_i * scale_i(x_<i) + shift_i(x_<i)},
 * with shift and scale from a {@link Made} conditioner, as nflows'
 * {@code MaskedAffineAutoregressiveTransform}.
 *
 * <p>Scale is {@code softplus(s) + 1e-3} rather than the seed notebook's {@code exp(alpha)}: it is
 * bounded below (log-scale >= log 1e-3, so no density spike from a collapsing scale) and grows
 * only linearly in {@code s}, so no finite conditioner output overflows it; {@code exp} overflows
 * in float for {@code alpha > 88}. Softplus is evaluated as {@code max(s,0) + log(1 + exp(-|s|))},
 * which is finite for every finite {@code s} (ND4J's own softplus computes {@code log(1+exp(s))}
 * and overflows). The log-determinant is {@code sum_i log(scale_i)}.
 */
public final class MaskedAffineTransform implements Transform {
    /** Lower bound of every scale. */
    public static final double MIN_SCALE = 1e-3;

    private final Made made;
    private final Map<String, INDArray> params;

    /** Binds the conditioner's math to a set of parameter views. */
    public MaskedAffineTransform(Made made, Map<String, INDArray> params) {
        this.made = made;
        this.params = params;
    }

    public Made made() {
        return made;
    }

    /** Intermediate values of a forward pass for {@link #backward}. */
    public static final class Cache {
        final Made.Cache made = new Made.Cache();
        INDArray rawScale;
        INDArray scale;

        public INDArray input() {
            return made.input();
        }
    }

    @Override
    public Result forward(INDArray x) {
        return forward(x, null);
    }

    /** Forward pass that fills {@code cache} (when not null) for {@link #backward}. */
    public Result forward(INDArray x, Cache cache) {
        INDArray u = Nd4j.createUninitialized(x.dataType(), x.shape(), 'c');
        INDArray logDet = Nd4j.zeros(x.dataType(), x.rows(), 1);
        forward(x, cache, u, logDet);
        return new Result(u, logDet);
    }

    /**
     * Forward pass into caller-owned arrays (no concatenation on the hot path): writes {@code u}
     * into {@code uOut [N, D]} and ADDS the log-determinant to {@code logDetSum [N, 1]}.
     */
    public void forward(INDArray x, Cache cache, INDArray uOut, INDArray logDetSum) {
        int d = made.layout().features();
        INDArray out = made.forward(params, x, cache == null ? null : cache.made);
        INDArray shift = out.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d));
        INDArray raw = out.get(NDArrayIndex.all(), NDArrayIndex.interval(d, 2 * d));
        INDArray scale = scale(raw);
        x.mul(scale, uOut).addi(shift);
        logDetSum.addi(Transforms.log(scale, true).sum(true, 1));
        if (cache != null) {
            cache.rawScale = raw;
            cache.scale = scale;
        }
    }

    /**
     * Given {@code gu = dL/du [N, D]} and {@code gLogDet = dL/d(logDet) [N, 1]}, writes parameter
     * gradients into {@code grads} and returns {@code dL/dx}. The masked weights' entries are left
     * for {@link Made#maskGradients} to zero.
     */
    public INDArray backward(Cache c, INDArray gu, INDArray gLogDet, Map<String, INDArray> grads) {
        int d = made.layout().features();
        INDArray x = c.made.input();
        INDArray gOut = Nd4j.createUninitialized(gu.dataType(), new long[] {gu.rows(), 2L * d}, 'f');
        gOut.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d)).assign(gu);
        // dL/dscale = gu * x + gLogDet / scale; d scale / d raw = sigmoid(raw).
        INDArray gRaw = gOut.get(NDArrayIndex.all(), NDArrayIndex.interval(d, 2 * d));
        gu.mul(x, gRaw)
                .addi(Transforms.pow(c.scale, -1, true).muliColumnVector(gLogDet))
                .muli(Transforms.sigmoid(c.rawScale, true));
        INDArray gx = made.backward(c.made, gOut, grads);
        return gx.addi(gu.mul(c.scale));
    }

    /**
     * Inverse by the autoregressive recursion: {@code D} conditioner passes, after pass {@code k}
     * the first {@code k} columns are exact (column {@code k} only reads columns before it).
     */
    @Override
    public INDArray inverse(INDArray u) {
        int d = made.layout().features();
        INDArray x = Nd4j.zerosLike(u);
        for (int k = 0; k < d; k++) {
            INDArray out = made.forward(params, x, null);
            INDArray shift = out.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d));
            INDArray scale = scale(out.get(NDArrayIndex.all(), NDArrayIndex.interval(d, 2 * d)));
            x = u.sub(shift).divi(scale);
        }
        return x;
    }

    /** {@code softplus(raw) + MIN_SCALE}, stable for every finite input. */
    static INDArray scale(INDArray raw) {
        INDArray tail = Transforms.exp(Transforms.abs(raw, true).negi(), false).addi(1.0);
        return Transforms.log(tail, false).addi(Transforms.relu(raw, true)).addi(MIN_SCALE);
    }
}
