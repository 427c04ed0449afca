package org.mafspark.flow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/** Fields of {@code /proc/cpuinfo} (Linux), for the kernels OpenBLAS should run and the bench's record. */
public final class CpuInfo {
    private CpuInfo() {}

    /** The first processor's value of {@code name} ("model name", "flags"), empty if there is none. */
    public static Optional<String> field(String name) {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.indexOf(':') > 0 && l.substring(0, l.indexOf(':')).trim().equals(name))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
