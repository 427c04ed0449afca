package org.mafspark.flow;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Transforms applied in order; their log-determinants add. */
public final class CompositeTransform implements Transform {
    private final List<Transform> steps;

    public CompositeTransform(List<Transform> steps) {
        this.steps = List.copyOf(steps);
    }

    public List<Transform> steps() {
        return steps;
    }

    @Override
    public Result forward(INDArray x) {
        INDArray u = x;
        INDArray logDet = null;
        for (Transform t : steps) {
            Result r = t.forward(u);
            u = r.outputs();
            logDet = logDet == null ? r.logAbsDet() : logDet.addi(r.logAbsDet());
        }
        return new Result(u, logDet);
    }

    @Override
    public INDArray inverse(INDArray u) {
        INDArray x = u;
        for (int i = steps.size() - 1; i >= 0; i--) {
            x = steps.get(i).inverse(x);
        }
        return x;
    }
}
