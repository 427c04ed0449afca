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
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Everything a trainer needs to continue after its driver died at the end of {@code epoch}: the
 * flow (parameters and standardisation, in {@link FlowModelFormat}), Adam's state and DL4J's
 * iteration and epoch counters (Adam's bias correction reads the iteration count), the early-stopping
 * state with the best epoch's flow, the history, and the configuration it was trained with.
 *
 * <p>Stored as one file, {@value #FILE}, in the checkpoint directory: a zip of
 * {@code checkpoint.json}, {@code flow.zip}, {@code best.zip} and {@code updater.bin} (big-endian
 * doubles, SHA-256 in the JSON). {@link #write(Path)} writes a temp file, forces it to disk and
 * renames it over the previous checkpoint, so the directory always holds one complete checkpoint:
 * a driver killed mid-write leaves the previous one intact. As in {@link FlowModelFormat}, only
 * numbers are stored, no class names.
 *
 * @param configuration what the run was configured with, in words (architecture, training settings,
 *     workers, data size): a resumed run must have the same, see {@link #fingerprint()}
 * @param epoch the last completed epoch (1-based)
 * @param flow the flow after {@code epoch}
 * @param updaterState the flattened updater (Adam) state after {@code epoch}
 * @param iterationCount DL4J's iteration counter of the network configuration
 * @param epochCount DL4J's epoch counter of the network configuration
 * @param bestEpoch the best epoch so far (>= 1)
 * @param bestScore its score (validation NLL, or training NLL without validation)
 * @param bestFlow the flow of {@code bestEpoch}
 * @param history every completed epoch
 * @param stopReason why training stopped, or null while it still runs
 */
public record TrainingCheckpoint(String configuration, int epoch, MaskedAutoregressiveFlow flow,
        double[] updaterState, int iterationCount, int epochCount, int bestEpoch, double bestScore,
        MaskedAutoregressiveFlow bestFlow, List<EpochStats> history, String stopReason) {

    /** The checkpoint's file name inside the checkpoint directory. */
    public static final String FILE = "checkpoint.zip";
    /** Format name written into every checkpoint. */
    public static final String FORMAT = "maf-spark-checkpoint";
    /** Version of the layout; other versions are refused. */
    public static final int VERSION = 1;

    private static final String META = "checkpoint.json";
    private static final String FLOW = "flow.zip";
    private static final String BEST = "best.zip";
    private static final String UPDATER = "updater.bin";
    private static final ObjectMapper JSON = new ObjectMapper();

    public TrainingCheckpoint {
        history = List.copyOf(history);
    }

    /** SHA-256 of {@link #configuration()}: two runs may share a checkpoint only with equal fingerprints. */
    public String fingerprint() {
        return fingerprint(configuration);
    }

    /** SHA-256 of a configuration description. */
    public static String fingerprint(String configuration) {
        return FlowModelFormat.sha256(configuration.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Whether training had stopped (nothing is left to resume). */
    public boolean finished() {
        return stopReason != null;
    }

    /** Atomically replaces the checkpoint in {@code dir} (created if missing) by this one. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "checkpoint-", ".tmp");
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            writeZip(bytes);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes.toByteArray());
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                // On disk before the rename: a crash after it must not leave a renamed, empty file.
                ch.force(true);
            }
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The checkpoint in {@code dir}, or empty when there is none. Temp files of a writer that died
     * are ignored.
     *
     * @throws IOException when the file is unreadable, foreign, of another version or corrupt
     */
    public static Optional<TrainingCheckpoint> read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        byte[] meta = null;
        byte[] flow = null;
        byte[] best = null;
        byte[] updater = null;
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                switch (e.getName()) {
                    case META -> meta = zip.readAllBytes();
                    case FLOW -> flow = zip.readAllBytes();
                    case BEST -> best = zip.readAllBytes();
                    case UPDATER -> updater = zip.readAllBytes();
                    default -> { }
                }
            }
        } catch (NoSuchFileException none) {
            return Optional.empty();
        } catch (IOException e) {
            throw new IOException("checkpoint " + file + " is unreadable: " + e.getMessage(), e);
        }
        if (meta == null || flow == null || best == null || updater == null) {
            throw new IOException("checkpoint " + file + " is incomplete: it lacks one of " + List.of(META, FLOW, BEST,
                    UPDATER));
        }
        JsonNode m = JSON.readTree(meta);
        if (!FORMAT.equals(m.path("format").asText()) || m.path("formatVersion").asInt(-1) != VERSION) {
            throw new IOException("checkpoint " + file + " is not a " + FORMAT + " version " + VERSION + " file (format '"
                    + m.path("format").asText() + "' version " + m.path("formatVersion").asInt(-1) + ")");
        }
        if (!FlowModelFormat.sha256(updater).equals(m.path("updaterSha256").asText())) {
            throw new IOException("checkpoint " + file + " is corrupt: the updater state's SHA-256 does not match");
        }
        double[] state = new double[updater.length / Double.BYTES];
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(updater))) {
            for (int i = 0; i < state.length; i++) {
                state[i] = in.readDouble();
            }
        }
        List<EpochStats> history = new ArrayList<>();
        for (JsonNode h : m.path("history")) {
            history.add(new EpochStats(h.path("epoch").asInt(), number(h.path("trainNll")),
                    number(h.path("validationNll")), number(h.path("rowsPerSecond")), number(h.path("seconds"))));
        }
        return Optional.of(new TrainingCheckpoint(m.path("configuration").asText(), m.path("epoch").asInt(),
                FlowModelFormat.fromBytes(flow, file + "!/" + FLOW), state, m.path("iterationCount").asInt(),
                m.path("epochCount").asInt(), m.path("bestEpoch").asInt(), number(m.path("bestScore")),
                FlowModelFormat.fromBytes(best, file + "!/" + BEST), history,
                m.hasNonNull("stopReason") ? m.path("stopReason").asText() : null));
    }

    private void writeZip(OutputStream sink) throws IOException {
        ByteArrayOutputStream updater = new ByteArrayOutputStream(updaterState.length * Double.BYTES);
        try (DataOutputStream out = new DataOutputStream(updater)) {
            for (double v : updaterState) {
                out.writeDouble(v);
            }
        }
        byte[] updaterBytes = updater.toByteArray();
        ObjectNode m = JSON.createObjectNode();
        m.put("format", FORMAT);
        m.put("formatVersion", VERSION);
        m.put("configuration", configuration);
        m.put("fingerprint", fingerprint());
        m.put("epoch", epoch);
        m.put("iterationCount", iterationCount);
        m.put("epochCount", epochCount);
        m.put("bestEpoch", bestEpoch);
        putNumber(m, "bestScore", bestScore);
        m.put("stopReason", stopReason);
        m.put("updaterSha256", FlowModelFormat.sha256(updaterBytes));
        ArrayNode h = m.putArray("history");
        for (EpochStats s : history) {
            ObjectNode e = h.addObject();
            e.put("epoch", s.epoch());
            putNumber(e, "trainNll", s.trainNll());
            putNumber(e, "validationNll", s.validationNll());
            putNumber(e, "rowsPerSecond", s.rowsPerSecond());
            putNumber(e, "seconds", s.seconds());
        }
        try (ZipOutputStream zip = new ZipOutputStream(sink)) {
            entry(zip, META, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
            entry(zip, FLOW, FlowModelFormat.toBytes(flow));
            entry(zip, BEST, FlowModelFormat.toBytes(bestFlow));
            entry(zip, UPDATER, updaterBytes);
        }
    }

    private static void entry(ZipOutputStream zip, String name, byte[] data) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(data);
        zip.closeEntry();
    }

    /** JSON has no NaN: non-finite numbers travel as strings ("NaN", "Infinity"). */
    private static void putNumber(ObjectNode node, String field, double v) {
        if (Double.isFinite(v)) {
            node.put(field, v);
        } else {
            node.put(field, Double.toString(v));
        }
    }

    private static double number(JsonNode n) {
        return n.isTextual() ? Double.parseDouble(n.asText()) : n.asDouble();
    }
}
