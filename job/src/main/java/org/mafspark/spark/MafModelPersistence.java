package org.mafspark.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.mafspark.flow.EpochStats;
import org.mafspark.flow.FlowArchitecture;
import org.mafspark.flow.FlowModelFormat;
import org.mafspark.flow.MaskedAutoregressiveFlow;
import org.mafspark.scoring.ReferenceProfile;

/**
 * Save and load of {@link MafOutlierModel} through Hadoop's FileSystem (local, HDFS, S3...).
 *
 * <p>Layout under the model path:
 * <ul>
 *   <li>{@code metadata/part-00000}: one line of JSON with Spark's {@code DefaultParamsWriter} keys
 *   ({@code class, timestamp, sparkVersion, uid, paramMap, defaultParamMap}, so that a
 *   {@code PipelineModel} can read it) plus {@code formatVersion}, {@code mafSparkVersion}, the
 *   threshold, feature names, architecture, standardisation, the flow's SHA-256 and the training
 *   summary;</li>
 *   <li>{@code data/flow.zip}: the flow in {@link FlowModelFormat} (itself versioned and checksummed);</li>
 *   <li>{@code data/reference.json}: the {@link org.mafspark.scoring.ReferenceProfile} (p-value
 *   calibration and drift bins), its SHA-256 in the metadata; absent in models saved without one.</li>
 * </ul>
 * Metadata of any other {@link #FORMAT_VERSION} is refused.
 */
final class MafModelPersistence {
    /** Version of the layout above. */
    static final int FORMAT_VERSION = 1;
    static final String METADATA_DIR = "metadata";
    static final String METADATA_FILE = "part-00000";
    static final String DATA_FILE = "data/flow.zip";
    static final String REFERENCE_FILE = "data/reference.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private MafModelPersistence() {}

    /** The maf-spark version from the jar manifest, or "development" when run from classes. */
    static String mafSparkVersion() {
        String v = MafOutlierModel.class.getPackage().getImplementationVersion();
        return v != null ? v : "development";
    }

    /** Writes a model. */
    static final class Writer extends MLWriter {
        private final MafOutlierModel model;

        Writer(MafOutlierModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            Path root = new Path(path);
            try {
                FileSystem fs = root.getFileSystem(sc().hadoopConfiguration());
                write(fs, new Path(new Path(root, METADATA_DIR), METADATA_FILE),
                        JSON.writeValueAsBytes(metadata(model, sc().version())));
                write(fs, new Path(root, DATA_FILE), model.flowBytes());
                if (model.reference().isPresent()) {
                    write(fs, new Path(root, REFERENCE_FILE), referenceBytes(model));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot save the model to " + path + ": " + e.getMessage(), e);
            }
        }
    }

    /** Reads a model. */
    static final class Reader extends MLReader<MafOutlierModel> {
        @Override
        public MafOutlierModel load(String path) {
            try {
                return read(path, sc().hadoopConfiguration());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load a MafOutlierModel from " + path + ": " + e.getMessage(),
                        e);
            }
        }
    }

    static ObjectNode metadata(MafOutlierModel model, String sparkVersion) throws IOException {
        ObjectNode m = JSON.createObjectNode();
        m.put("class", MafOutlierModel.class.getName());
        m.put("timestamp", System.currentTimeMillis());
        m.put("sparkVersion", sparkVersion);
        m.put("uid", model.uid());
        ObjectNode set = m.putObject("paramMap");
        ObjectNode defaults = m.putObject("defaultParamMap");
        for (Param<?> p : model.params()) {
            @SuppressWarnings("unchecked")
            Param<Object> param = (Param<Object>) p;
            if (model.isSet(param)) {
                set.set(param.name(), JSON.readTree(param.jsonEncode(model.getOrDefault(param))));
            }
            if (model.hasDefault(param)) {
                defaults.set(param.name(), JSON.readTree(param.jsonEncode(model.getDefault(param).get())));
            }
        }
        m.put("formatVersion", FORMAT_VERSION);
        m.put("mafSparkVersion", mafSparkVersion());
        m.put("flowFormatVersion", FlowModelFormat.VERSION);
        m.set("threshold", JSON.readTree(model.threshold().jsonEncode(model.getThreshold())));
        ArrayNode names = m.putArray("featureNames");
        Arrays.stream(model.featureNames()).forEach(names::add);
        MaskedAutoregressiveFlow flow = model.flow();
        FlowArchitecture a = flow.architecture();
        ObjectNode arch = m.putObject("architecture");
        arch.put("features", a.features());
        arch.put("hidden", a.hidden());
        arch.put("blocks", a.blocks());
        arch.put("layers", a.layers());
        arch.put("permutation", a.permutation().name());
        ObjectNode std = m.putObject("standardization");
        ArrayNode mean = std.putArray("mean");
        Arrays.stream(flow.standardization().mean()).forEach(mean::add);
        ArrayNode scale = std.putArray("scale");
        Arrays.stream(flow.standardization().scale()).forEach(scale::add);
        m.put("flowSha256", model.flowSha256());
        m.set("trainingSummary", summary(model.trainingSummary()));
        if (model.reference().isPresent()) {
            m.put("referenceSha256", FlowModelFormat.sha256(referenceBytes(model)));
        }
        return m;
    }

    private static byte[] referenceBytes(MafOutlierModel model) throws IOException {
        return ReferenceProfileJson.toBytes(model.reference().orElseThrow());
    }

    static MafOutlierModel read(String path, Configuration conf) throws IOException {
        Path root = new Path(path);
        FileSystem fs = root.getFileSystem(conf);
        JsonNode m;
        try {
            m = JSON.readTree(readMetadata(fs, root));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(new Path(new Path(root, METADATA_DIR), METADATA_FILE) + " is not valid JSON ("
                    + e.getOriginalMessage() + "): not a saved model, or a damaged one", e);
        }
        String cls = m.path("class").asText();
        if (!MafOutlierModel.class.getName().equals(cls)) {
            throw new IllegalArgumentException(path + " holds a saved '" + cls + "', not a "
                    + MafOutlierModel.class.getName());
        }
        int version = m.path("formatVersion").asInt(-1);
        if (version != FORMAT_VERSION) {
            throw new IllegalArgumentException(path + " has metadata format version " + version + " (written by "
                    + "maf-spark " + m.path("mafSparkVersion").asText("?") + "); this maf-spark ("
                    + mafSparkVersion() + ") reads version " + FORMAT_VERSION + " only"
                    + (version > FORMAT_VERSION ? ": upgrade maf-spark" : ""));
        }
        byte[] bytes = readAll(fs, new Path(root, DATA_FILE));
        String sha = FlowModelFormat.sha256(bytes);
        if (!sha.equals(m.path("flowSha256").asText())) {
            throw new IOException(path + ": " + DATA_FILE + " does not match the metadata (SHA-256 " + sha
                    + ", metadata says " + m.path("flowSha256").asText() + ")");
        }
        List<String> names = new ArrayList<>();
        m.path("featureNames").forEach(n -> names.add(n.asText()));
        ReferenceProfile reference = null;
        if (m.has("referenceSha256")) {
            Path file = new Path(root, REFERENCE_FILE);
            byte[] ref = readAll(fs, file);
            String refSha = FlowModelFormat.sha256(ref);
            if (!refSha.equals(m.path("referenceSha256").asText())) {
                throw new IOException(path + ": " + REFERENCE_FILE + " does not match the metadata (SHA-256 " + refSha
                        + ", metadata says " + m.path("referenceSha256").asText() + ")");
            }
            reference = ReferenceProfileJson.fromBytes(ref, file.toString());
        }
        MafOutlierModel model = new MafOutlierModel(m.path("uid").asText(), bytes, names.toArray(new String[0]),
                summary(m.path("trainingSummary")), reference);
        setParams(model, m.path("defaultParamMap"), true, path);
        setParams(model, m.path("paramMap"), false, path);
        if (!model.hasThreshold()) {
            throw new IOException(path + ": the metadata has no threshold");
        }
        return model;
    }

    @SuppressWarnings("unchecked")
    private static void setParams(MafOutlierModel model, JsonNode params, boolean defaults, String path)
            throws IOException {
        for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!model.hasParam(e.getKey())) {
                if (defaults) {
                    continue; // a default a later version added: the value set (if any) is what counts
                }
                throw new IOException(path + ": unknown param '" + e.getKey() + "' in the metadata");
            }
            Param<Object> param = (Param<Object>) model.getParam(e.getKey());
            Object value = param.jsonDecode(JSON.writeValueAsString(e.getValue()));
            if (defaults) {
                model.setDefault(param, value);
            } else {
                model.set(param, value);
            }
        }
    }

    private static ObjectNode summary(MafTrainingSummary s) {
        ObjectNode n = JSON.createObjectNode();
        ArrayNode history = n.putArray("history");
        for (EpochStats e : s.history()) {
            ObjectNode h = history.addObject();
            h.put("epoch", e.epoch());
            h.put("trainNll", e.trainNll());
            h.put("validationNll", e.validationNll());
            h.put("rowsPerSecond", e.rowsPerSecond());
            h.put("seconds", e.seconds());
        }
        n.put("bestEpoch", s.bestEpoch());
        n.put("stopReason", s.stopReason());
        n.put("trainRows", s.trainRows());
        n.put("validationRows", s.validationRows());
        n.put("numWorkers", s.numWorkers());
        n.put("trainingSeconds", s.trainingSeconds());
        s.contaminationThreshold().ifPresent(t -> {
            ObjectNode c = n.putObject("contaminationThreshold");
            c.put("threshold", t.threshold());
            c.put("contamination", t.contamination());
            c.put("flaggedFraction", t.flaggedFraction());
            c.put("rows", t.rows());
            c.put("relativeError", t.relativeError());
        });
        return n;
    }

    private static MafTrainingSummary summary(JsonNode n) {
        List<EpochStats> history = new ArrayList<>();
        for (JsonNode h : n.path("history")) {
            history.add(new EpochStats(h.path("epoch").asInt(), h.path("trainNll").asDouble(),
                    h.path("validationNll").asDouble(), h.path("rowsPerSecond").asDouble(),
                    h.path("seconds").asDouble()));
        }
        JsonNode c = n.path("contaminationThreshold");
        Optional<AnomalyThreshold> threshold = c.isObject()
                ? Optional.of(new AnomalyThreshold(c.path("threshold").asDouble(), c.path("contamination").asDouble(),
                        c.path("flaggedFraction").asDouble(), c.path("rows").asLong(),
                        c.path("relativeError").asDouble()))
                : Optional.empty();
        return new MafTrainingSummary(history, n.path("bestEpoch").asInt(), n.path("stopReason").asText(),
                n.path("trainRows").asLong(), n.path("validationRows").asLong(), n.path("numWorkers").asInt(),
                n.path("trainingSeconds").asDouble(), threshold);
    }

    /** The metadata JSON: the first {@code part-*} file under {@code metadata/}. */
    private static byte[] readMetadata(FileSystem fs, Path root) throws IOException {
        Path dir = new Path(root, METADATA_DIR);
        FileStatus[] files;
        try {
            files = fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            throw new IOException(root + " is not a saved model: it has no " + METADATA_DIR + "/ directory", e);
        }
        Path first = Arrays.stream(files).map(FileStatus::getPath).filter(p -> p.getName().startsWith("part-"))
                .sorted().findFirst()
                .orElseThrow(() -> new IOException(dir + " holds no part-* metadata file"));
        return readAll(fs, first);
    }

    private static byte[] readAll(FileSystem fs, Path file) throws IOException {
        try (InputStream in = fs.open(file)) {
            return in.readAllBytes();
        } catch (FileNotFoundException e) {
            throw new IOException(file + " does not exist", e);
        }
    }

    private static void write(FileSystem fs, Path file, byte[] bytes) throws IOException {
        try (OutputStream out = fs.create(file, true)) {
            out.write(bytes);
        }
    }
}
