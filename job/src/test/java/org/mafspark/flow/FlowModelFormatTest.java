package org.mafspark.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** Test 9: a saved flow loads to identical log-probabilities; foreign and damaged files are refused. */
class FlowModelFormatTest {
    @TempDir
    Path dir;

    private MaskedAutoregressiveFlow flow() {
        FlowArchitecture arch = new FlowArchitecture(3, 8, 1, 2, FlowArchitecture.PermutationKind.RANDOM, 4L);
        var net = FlowNetworks.create(FlowNetworks.configuration(arch, TrainingConfig.defaults(), DataType.FLOAT));
        return new MaskedAutoregressiveFlow(arch, new Standardization(new double[] {1, 2, 3}, new double[] {0.5, 2, 7}), net);
    }

    @Test
    void roundTripGivesIdenticalLogProbs() throws IOException {
        MaskedAutoregressiveFlow flow = flow();
        Path file = dir.resolve("m.maf");
        FlowModelFormat.save(flow, file);
        MaskedAutoregressiveFlow back = FlowModelFormat.load(file);
        var x = Nd4j.randn(DataType.FLOAT, 100, 3).muli(3);
        assertArrayEquals(flow.logProb(x).data().asFloat(), back.logProb(x).data().asFloat(), 0f);
        assertArrayEquals(flow.sample(10, 3L).data().asFloat(), back.sample(10, 3L).data().asFloat(), 0f);
    }

    @Test
    void otherFormatVersionIsRefused() throws IOException {
        Path file = dir.resolve("m.maf");
        FlowModelFormat.save(flow(), file);
        Path newer = rewriteMeta(file, "\"formatVersion\" : 1", "\"formatVersion\" : 2");
        IOException e = assertThrows(IOException.class, () -> FlowModelFormat.load(newer));
        assertTrue(e.getMessage().contains("format version 2") && e.getMessage().contains("newer"), e.getMessage());
    }

    @Test
    void damagedOrForeignFilesAreRefused() throws IOException {
        Path file = dir.resolve("m.maf");
        FlowModelFormat.save(flow(), file);
        Path tampered = rewriteMeta(file, "\"paramsSha256\" : \"", "\"paramsSha256\" : \"00");
        assertTrue(assertThrows(IOException.class, () -> FlowModelFormat.load(tampered)).getMessage().contains("corrupt"));
        Path text = Files.writeString(dir.resolve("notes.txt"), "hello");
        assertTrue(assertThrows(IOException.class, () -> FlowModelFormat.load(text)).getMessage()
                .contains("not a maf-spark model"));
        assertTrue(assertThrows(IOException.class, () -> FlowModelFormat.load(dir.resolve("missing")))
                .getMessage().contains("does not exist"));
    }

    private Path rewriteMeta(Path file, String from, String to) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(file));
                ZipOutputStream zip = new ZipOutputStream(out)) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                byte[] b = in.readAllBytes();
                if (e.getName().equals(FlowModelFormat.META)) {
                    String s = new String(b, StandardCharsets.UTF_8);
                    assertTrue(s.contains(from), s);
                    b = s.replace(from, to).getBytes(StandardCharsets.UTF_8);
                }
                zip.putNextEntry(new ZipEntry(e.getName()));
                zip.write(b);
                zip.closeEntry();
            }
        }
        Path target = dir.resolve("rewritten-" + System.nanoTime() + ".maf");
        Files.write(target, out.toByteArray());
        return target;
    }
}
