package org.mafspark.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.mafspark.flow.FlowModelFormat;
import org.mafspark.flow.MaskedAutoregressiveFlow;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Executor-side scoring: a flow is rebuilt from its bytes once per executor JVM (cached by the
 * SHA-256 of the bytes, so every task and every transform of the same model share it) and scores
 * rows in batches of {@link #BATCH_ROWS}, one ND4J call per batch.
 */
final class FlowScorer {
    /** Rows per ND4J call: large enough to amortise the call overhead, small enough for the cache. */
    static final int BATCH_ROWS = 4096;

    /** A few entries: the flows of one training run's recent epochs, or of a few models in one session. */
    private static final int CACHE_ENTRIES = 4;

    private static final Map<String, MaskedAutoregressiveFlow> CACHE =
            new LinkedHashMap<>(8, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, MaskedAutoregressiveFlow> eldest) {
                    return size() > CACHE_ENTRIES;
                }
            };

    private FlowScorer() {}

    /** A model's bytes as shipped to executors (in a broadcast), with their digest as cache key. */
    record FlowBytes(String sha256, byte[] bytes) implements Serializable {
        static FlowBytes of(byte[] bytes) {
            return new FlowBytes(FlowModelFormat.sha256(bytes), bytes);
        }
    }

    /** The flow of {@code model}, built at most once per JVM while it stays cached. */
    static MaskedAutoregressiveFlow flow(FlowBytes model) {
        synchronized (CACHE) {
            MaskedAutoregressiveFlow f = CACHE.get(model.sha256());
            if (f == null) {
                try {
                    f = FlowModelFormat.fromBytes(model.bytes(), "model " + model.sha256());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                CACHE.put(model.sha256(), f);
            }
            return f;
        }
    }

    /** {@code log p} of the first {@code n} rows of {@code batch} (row-major {@code [n][d]} flattened). */
    static double[] logProb(MaskedAutoregressiveFlow flow, double[] flat, int n, int d) {
        double[] rows = flat.length == n * d ? flat : java.util.Arrays.copyOf(flat, n * d);
        return flow.logProb(Nd4j.create(rows, new long[] {n, d}, 'c')).castTo(DataType.DOUBLE).data().asDouble();
    }

    /**
     * The log-densities of {@code rows}, one array per batch of up to {@link #BATCH_ROWS} rows, in row
     * order; batches are scored lazily as the result is iterated.
     */
    static Iterator<double[]> logProbBatches(Iterator<double[]> rows, MaskedAutoregressiveFlow flow) {
        int d = flow.architecture().features();
        return new Iterator<>() {
            private final double[] flat = new double[BATCH_ROWS * d];

            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public double[] next() {
                int n = 0;
                while (n < BATCH_ROWS && rows.hasNext()) {
                    System.arraycopy(rows.next(), 0, flat, n * d, d);
                    n++;
                }
                if (n == 0) {
                    throw new NoSuchElementException();
                }
                return logProb(flow, flat, n, d);
            }
        };
    }

    /** {@code log p} of every row of {@code rows}, scored on the executors with the broadcast model. */
    static JavaRDD<Double> logProbs(JavaRDD<double[]> rows, Broadcast<FlowBytes> model) {
        return rows.mapPartitions(it -> {
            Iterator<double[]> batches = logProbBatches(it, flow(model.value()));
            List<Double> out = new ArrayList<>();
            while (batches.hasNext()) {
                for (double lp : batches.next()) {
                    out.add(lp);
                }
            }
            return out.iterator();
        });
    }

}
