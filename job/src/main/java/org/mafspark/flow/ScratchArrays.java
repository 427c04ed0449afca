package org.mafspark.flow;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The arrays of one repeated pass (a training step's forward and backward through one layer, for
 * one share of the minibatch's rows), handed out in the order the pass asks for them and reused
 * by the next pass that asks for the same shapes: {@link #reset} starts a pass, the {@code k}-th
 * {@link #create} of a pass returns the {@code k}-th array of the previous one when its type and
 * shape match, else a new one.
 *
 * <p>Why: a training step's shares run on threads of their own, which have no DL4J workspace
 * open, and every array allocated outside a workspace is a tracked native allocation (JavaCPP
 * reads {@code /proc/self/statm} under a global lock for each, and the garbage collector frees
 * them). The arrays live outside every workspace and stay valid until the next {@link #reset}: a
 * pass's arrays must not be used after the next pass started.
 *
 * <p>Not thread-safe: one pass at a time.
 */
public final class ScratchArrays {
    private final List<INDArray> arrays = new ArrayList<>();
    private int next;

    /** Starts a pass: the arrays of the previous one may be handed out again. */
    public void reset() {
        next = 0;
    }

    /** An uninitialised {@code [rows, cols]} array of {@code type} in {@code order}. */
    public INDArray create(DataType type, long rows, long cols, char order) {
        if (next < arrays.size()) {
            INDArray a = arrays.get(next);
            if (a.dataType() == type && a.ordering() == order && a.rows() == rows && a.columns() == cols) {
                next++;
                return a;
            }
        }
        INDArray a;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            a = Nd4j.createUninitialized(type, new long[] {rows, cols}, order);
        }
        if (next < arrays.size()) {
            arrays.set(next, a);
        } else {
            arrays.add(a);
        }
        next++;
        return a;
    }

    /**
     * Frees every array now (they live outside workspaces: otherwise they go when the garbage
     * collector finds them) and returns their bytes; the next {@link #create} allocates afresh.
     */
    public long release() {
        long bytes = 0;
        for (INDArray a : arrays) {
            bytes += a.length() * a.dataType().width();
            if (a.closeable()) {
                a.close();
            }
        }
        arrays.clear();
        next = 0;
        return bytes;
    }

    /** {@code [rows, cols]} from {@code scratch}, or a new array (in the current workspace) when it is null. */
    static INDArray create(ScratchArrays scratch, DataType type, long rows, long cols, char order) {
        return scratch != null ? scratch.create(type, rows, cols, order)
                : Nd4j.createUninitialized(type, new long[] {rows, cols}, order);
    }
}
