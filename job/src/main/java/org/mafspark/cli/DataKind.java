package org.mafspark.cli;

import java.util.Arrays;
import java.util.Locale;
import org.mafspark.data.NotebookData;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The seed notebook's data sets that {@code generate} writes. */
public enum DataKind {
    /** {@code x1 = 1 + 0.5 Z}; the notebook draws 10000 rows. */
    GAUSSIAN1D("gaussian1d", 10_000),
    /** The 2-D anomaly exercise, {@code x1, x2} and {@code label} (1 = the rare component); 50000 rows. */
    MIXTURE2D("mixture2d", 50_000);

    private final String cliName;
    private final int notebookRows;

    DataKind(String cliName, int notebookRows) {
        this.cliName = cliName;
        this.notebookRows = notebookRows;
    }

    /** The name on the command line and in file names. */
    public String cliName() {
        return cliName;
    }

    /** The row count the notebook uses. */
    public int notebookRows() {
        return notebookRows;
    }

    /** {@code rows} rows drawn with {@code seed}, exactly as {@link NotebookData} generates them. */
    public GeneratedTable generate(int rows, long seed) {
        return switch (this) {
            case GAUSSIAN1D -> new GeneratedTable(new String[] {"x1"}, NotebookData.gaussian1d(rows, seed), null);
            case MIXTURE2D -> {
                NotebookData.Labelled d = NotebookData.mixture2d(rows, seed);
                yield new GeneratedTable(new String[] {"x1", "x2"}, d.x(), d.label());
            }
        };
    }

    /** Parses the lower-case command-line names. */
    public static final class Converter implements ITypeConverter<DataKind> {
        @Override
        public DataKind convert(String value) {
            for (DataKind k : values()) {
                if (k.cliName.equals(value.toLowerCase(Locale.ROOT))) {
                    return k;
                }
            }
            throw new TypeConversionException("unknown kind '" + value + "', expected one of "
                    + Arrays.stream(values()).map(DataKind::cliName).toList());
        }
    }

    /** The names for help texts and completion. */
    public static final class Names extends java.util.ArrayList<String> {
        public Names() {
            super(Arrays.stream(values()).map(DataKind::cliName).toList());
        }
    }
}
