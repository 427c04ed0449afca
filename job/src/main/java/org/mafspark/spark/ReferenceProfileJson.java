package org.mafspark.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.mafspark.scoring.PopulationStability;
import org.mafspark.scoring.ReferenceProfile;
import org.mafspark.scoring.TailProbability;

/** A {@link ReferenceProfile} as the JSON file {@code data/reference.json} of a saved model. */
final class ReferenceProfileJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReferenceProfileJson() {}

    static byte[] toBytes(ReferenceProfile r) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("source", r.source());
        doubles(n.putArray("logProbs"), r.tail().reference());
        bins(n.putObject("logProbBins"), r.logProbBins());
        ArrayNode features = n.putArray("featureBins");
        r.featureBins().forEach(b -> bins(features.addObject(), b));
        return JSON.writeValueAsBytes(n);
    }

    static ReferenceProfile fromBytes(byte[] bytes, String where) throws IOException {
        JsonNode n;
        try {
            n = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IOException(where + " is not valid JSON: " + e.getMessage(), e);
        }
        try {
            List<PopulationStability> features = new ArrayList<>();
            for (JsonNode f : n.path("featureBins")) {
                features.add(bins(f));
            }
            return new ReferenceProfile(TailProbability.fromReference(doubles(n.path("logProbs"))),
                    bins(n.path("logProbBins")), features, n.path("source").asText());
        } catch (IllegalArgumentException e) {
            throw new IOException(where + " is not a valid reference profile: " + e.getMessage(), e);
        }
    }

    private static void bins(ObjectNode n, PopulationStability b) {
        doubles(n.putArray("edges"), b.edges());
        doubles(n.putArray("referenceFractions"), b.referenceFractions());
    }

    private static PopulationStability bins(JsonNode n) {
        return new PopulationStability(doubles(n.path("edges")), doubles(n.path("referenceFractions")));
    }

    private static void doubles(ArrayNode a, double[] values) {
        for (double v : values) {
            a.add(v);
        }
    }

    private static double[] doubles(JsonNode a) {
        if (!a.isArray()) {
            throw new IllegalArgumentException("expected an array of numbers");
        }
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            if (!a.get(i).isNumber()) {
                throw new IllegalArgumentException("expected a number, found " + a.get(i));
            }
            v[i] = a.get(i).asDouble();
        }
        return v;
    }
}
