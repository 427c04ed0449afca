package org.mafspark.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * The stored form of a {@link MaskedAutoregressiveFlow}: a zip holding {@code flow.json} (format
 * name and version, architecture, standardisation, data type, parameter count and SHA-256) and
 * {@code params.bin} (the flat parameter vector as big-endian doubles).
 *
 * <p>Only numbers are stored: on load the network is rebuilt from the architecture, so no class
 * named inside a file is ever instantiated and a renamed class cannot break old models.
 */
public final class FlowModelFormat {
    /** Format name written into every model. */
    public static final String FORMAT = "maf-spark-flow";
    /** Version of the layout below; files of any other version are refused. */
    public static final int VERSION = 1;

    static final String META = "flow.json";
    static final String PARAMS = "params.bin";
    private static final ObjectMapper JSON = new ObjectMapper();

    private FlowModelFormat() {}

    /** Writes {@code flow} to {@code file}. */
    public static void save(MaskedAutoregressiveFlow flow, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            write(flow, out);
        }
    }

    /** Reads a flow from {@code file}; refuses foreign, corrupt and other-version files. */
    public static MaskedAutoregressiveFlow load(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("model file " + file + " does not exist", e);
        }
    }

    /** The model as bytes (what Spark broadcasts). */
    public static byte[] toBytes(MaskedAutoregressiveFlow flow) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(flow, out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** Rebuilds a model from {@link #toBytes}. */
    public static MaskedAutoregressiveFlow fromBytes(byte[] bytes, String source) throws IOException {
        return read(new ByteArrayInputStream(bytes), source);
    }

    static void write(MaskedAutoregressiveFlow flow, OutputStream sink) throws IOException {
        byte[] params = paramBytes(flow.network().params());
        FlowArchitecture a = flow.architecture();
        ObjectNode meta = JSON.createObjectNode();
        meta.put("format", FORMAT);
        meta.put("formatVersion", VERSION);
        ObjectNode arch = meta.putObject("architecture");
        arch.put("features", a.features());
        arch.put("hidden", a.hidden());
        arch.put("blocks", a.blocks());
        arch.put("layers", a.layers());
        arch.put("permutation", a.permutation().name());
        arch.put("permutationSeed", a.permutationSeed());
        ObjectNode std = meta.putObject("standardization");
        ArrayNode mean = std.putArray("mean");
        ArrayNode scale = std.putArray("scale");
        for (double v : flow.standardization().mean()) {
            mean.add(v);
        }
        for (double v : flow.standardization().scale()) {
            scale.add(v);
        }
        meta.put("dataType", flow.dataType().name());
        meta.put("numParams", flow.network().numParams());
        meta.put("paramsSha256", sha256(params));
        try (ZipOutputStream zip = new ZipOutputStream(sink)) {
            zip.putNextEntry(new ZipEntry(META));
            zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry(PARAMS));
            zip.write(params);
            zip.closeEntry();
        }
    }

    static MaskedAutoregressiveFlow read(InputStream source, String name) throws IOException {
        byte[] metaBytes = null;
        byte[] params = null;
        try (ZipInputStream zip = new ZipInputStream(source)) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (META.equals(e.getName())) {
                    metaBytes = zip.readAllBytes();
                } else if (PARAMS.equals(e.getName())) {
                    params = zip.readAllBytes();
                }
            }
        } catch (IOException e) {
            throw new IOException(name + " is not a maf-spark model (unreadable zip: " + e.getMessage() + ")", e);
        }
        if (metaBytes == null || params == null) {
            throw new IOException(name + " is not a maf-spark model: it lacks " + (metaBytes == null ? META : PARAMS));
        }
        JsonNode meta;
        try {
            meta = JSON.readTree(metaBytes);
        } catch (IOException e) {
            throw new IOException(name + ": " + META + " is not valid JSON: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(meta.path("format").asText())) {
            throw new IOException(name + " is not a maf-spark model (format '" + meta.path("format").asText() + "')");
        }
        int version = meta.path("formatVersion").asInt(-1);
        if (version != VERSION) {
            throw new IOException(name + " has model format version " + version + "; this maf-spark reads version "
                    + VERSION + " only" + (version > VERSION ? " (written by a newer maf-spark: upgrade)" : ""));
        }
        if (!sha256(params).equals(meta.path("paramsSha256").asText())) {
            throw new IOException(name + " is corrupt: the parameters' SHA-256 does not match the metadata");
        }
        JsonNode a = meta.path("architecture");
        FlowArchitecture arch = new FlowArchitecture(a.path("features").asInt(), a.path("hidden").asInt(),
                a.path("blocks").asInt(), a.path("layers").asInt(),
                FlowArchitecture.PermutationKind.valueOf(a.path("permutation").asText()),
                a.path("permutationSeed").asLong());
        Standardization std = new Standardization(doubles(meta.path("standardization").path("mean")),
                doubles(meta.path("standardization").path("scale")));
        DataType dt = DataType.valueOf(meta.path("dataType").asText());
        MultiLayerNetwork net = FlowNetworks.create(FlowNetworks.configuration(arch, new NoOp(), 0.0, 0L, dt));
        long n = net.numParams();
        if (n != meta.path("numParams").asLong() || params.length != n * Double.BYTES) {
            throw new IOException(name + " is corrupt: " + params.length / Double.BYTES + " parameters stored, the "
                    + "architecture needs " + n);
        }
        double[] values = new double[(int) n];
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(params))) {
            for (int i = 0; i < values.length; i++) {
                values[i] = in.readDouble();
            }
        }
        net.params().assign(Nd4j.create(values).castTo(dt).reshape(net.params().shape()));
        return new MaskedAutoregressiveFlow(arch, std, net);
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    private static byte[] paramBytes(INDArray params) throws IOException {
        double[] v = params.castTo(DataType.DOUBLE).data().asDouble();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(v.length * Double.BYTES);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            for (double d : v) {
                out.writeDouble(d);
            }
        }
        return bytes.toByteArray();
    }

    /** Hex SHA-256 of {@code data}: the identity of a stored flow. */
    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
