package org.mafspark.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns the failures a user can fix (bad values, missing or unwritable files) into a one-line
 * message and exit code 1; anything else is a bug and keeps its stack trace.
 */
final class ErrorHandler implements IExecutionExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorHandler.class);

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parsed) {
        String command = cl.getCommandSpec().qualifiedName(" ");
        if (ex instanceof IllegalArgumentException || ex instanceof IOException
                || ex instanceof UncheckedIOException) {
            cl.getErr().println(cl.getColorScheme().errorText(command + ": error: " + message(ex)));
            LOG.debug("{} failed", command, ex);
        } else {
            cl.getErr().println(cl.getColorScheme().errorText(command + ": internal error: " + message(ex)));
            ex.printStackTrace(cl.getErr());
        }
        cl.getErr().flush();
        return 1;
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m != null ? m : t.getClass().getSimpleName();
    }
}
