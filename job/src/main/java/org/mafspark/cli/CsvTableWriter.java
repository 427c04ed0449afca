package org.mafspark.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a {@link GeneratedTable} as one CSV file with a header. Plain Java rather than Spark's
 * writer: a single file needs no cluster, and {@link Double#toString} keeps every value exact
 * (shortest decimal that reads back to the same double).
 */
final class CsvTableWriter {
    private CsvTableWriter() {}

    static void write(GeneratedTable t, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(String.join(",", t.columns()));
            w.write('\n');
            StringBuilder sb = new StringBuilder(64);
            for (int i = 0; i < t.rows(); i++) {
                sb.setLength(0);
                double[] row = t.x()[i];
                for (int j = 0; j < row.length; j++) {
                    if (j > 0) {
                        sb.append(',');
                    }
                    sb.append(row[j]);
                }
                if (t.labelled()) {
                    sb.append(',').append(t.label()[i]);
                }
                sb.append('\n');
                w.append(sb);
            }
        }
    }
}
