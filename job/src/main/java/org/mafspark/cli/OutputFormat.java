package org.mafspark.cli;

import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** File formats {@code generate} writes. */
public enum OutputFormat {
    /** One CSV file with a header line. */
    CSV,
    /** A Parquet directory written by Spark. */
    PARQUET;

    /** The name on the command line. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the names case-insensitively. */
    public static final class Converter implements ITypeConverter<OutputFormat> {
        @Override
        public OutputFormat convert(String value) {
            for (OutputFormat f : values()) {
                if (f.cliName().equals(value.toLowerCase(Locale.ROOT))) {
                    return f;
                }
            }
            throw new TypeConversionException("unknown format '" + value + "', expected one of "
                    + Arrays.stream(values()).map(OutputFormat::cliName).toList());
        }
    }

    /** The names for help texts and completion. */
    public static final class Names extends java.util.ArrayList<String> {
        public Names() {
            super(Arrays.stream(values()).map(OutputFormat::cliName).toList());
        }
    }
}
