package org.mafspark.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table for final summaries: the first column left-aligned (labels), the others
 * right-aligned (numbers), columns sized to their widest cell.
 */
public final class TextTable {
    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    /** A table with these column titles. */
    public TextTable(String... header) {
        this.header = header.clone();
    }

    /** Appends a row; it must have one cell per column. */
    public TextTable row(Object... cells) {
        if (cells.length != header.length) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table " + header.length);
        }
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = String.valueOf(cells[i]);
        }
        rows.add(r);
        return this;
    }

    /** The table, with a rule under the header, each line ending in a newline. */
    public String render() {
        int[] w = new int[header.length];
        for (int c = 0; c < header.length; c++) {
            w[c] = header[c].length();
            for (String[] r : rows) {
                w[c] = Math.max(w[c], r[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, header, w);
        int total = 0;
        for (int c = 0; c < w.length; c++) {
            total += w[c] + (c == 0 ? 0 : 2);
        }
        sb.append("-".repeat(total)).append('\n');
        for (String[] r : rows) {
            line(sb, r, w);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String[] cells, int[] w) {
        for (int c = 0; c < cells.length; c++) {
            if (c == 0) {
                sb.append(cells[c]).append(" ".repeat(w[c] - cells[c].length()));
            } else {
                sb.append("  ").append(" ".repeat(w[c] - cells[c].length())).append(cells[c]);
            }
        }
        sb.append('\n');
    }

    /** {@code v} with {@code decimals} digits after the point, locale-independent. */
    public static String fixed(double v, int decimals) {
        return String.format(java.util.Locale.ROOT, "%." + decimals + "f", v);
    }
}
