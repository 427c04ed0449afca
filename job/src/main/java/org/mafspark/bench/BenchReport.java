package org.mafspark.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.mafspark.flow.FlowArchitecture;

/**
 * Everything one benchmark run measured, as written to {@code bench.json}.
 *
 * @param timestamp ISO-8601 start time
 * @param quick whether the short settings were used
 * @param seed seed of the data and the network
 * @param machine what the figures depend on
 * @param architecture the flow measured
 * @param params its parameter count
 * @param forwardFlopsPerRow {@link FlowArchitecture#forwardFlopsPerRow()}
 * @param dataType ND4J floating-point type of every measurement
 * @param sgemm every sgemm shape measured
 * @param sgemmGflops the GFLOP/s used for the limits: the best rate of the reference products
 *     ({@code [M x H] x [H x H]}, one streaming product or one cache-sized product per core)
 * @param referenceShape the reading behind {@code sgemmGflops} ({@link GemmResult#shape()})
 * @param throughput row rates and their FLOP-bound limits
 * @param seconds wall time of the whole run
 * @param spark the Spark figures of {@code bench --spark}; null (and left out of the JSON) without it
 * @param scale the scaling figures of {@code bench --scale}; null (and left out of the JSON) without it
 */
public record BenchReport(String timestamp, boolean quick, long seed, MachineInfo machine,
        FlowArchitecture architecture, long params, long forwardFlopsPerRow, String dataType, List<GemmResult> sgemm,
        double sgemmGflops, String referenceShape, List<Throughput> throughput, double seconds,
        @JsonInclude(JsonInclude.Include.NON_NULL) SparkReport spark,
        @JsonInclude(JsonInclude.Include.NON_NULL) ScaleBenchmark.ScaleReport scale) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The report as pretty-printed JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise the benchmark report", e);
        }
    }

    /** Writes {@link #toJson()} to {@code file}, creating its directory. */
    public void writeJson(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, toJson() + "\n");
    }
}
