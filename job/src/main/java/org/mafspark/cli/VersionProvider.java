package org.mafspark.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest; a class directory has none, hence the fallback. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = MafSparkCli.class.getPackage().getImplementationVersion();
        return new String[] {MafSparkCli.NAME + " " + (v != null ? v : "(development build)"),
            "Java " + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch")};
    }
}
