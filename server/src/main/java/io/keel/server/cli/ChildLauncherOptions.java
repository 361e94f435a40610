package io.keel.server.cli;

import io.keel.storage.RocksLibrary;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of this JVM that make a start fast (issue 14), for a launcher it starts as a child on its own class
 * path ({@code keel local-cluster}): the class data sharing archive bin/keel gave it, which fits the child since the
 * class path is the same, the directory of RocksDB's kept native library, and the packages bin/keel opens (the
 * transport's direct writes need the JDK's socket channels). Nothing when this JVM has none of them.
 */
final class ChildLauncherOptions {
    private static final String ARCHIVE = "-XX:SharedArchiveFile=";
    /** What bin/keel opens to the transport (TCP_USER_TIMEOUT on directly written peer sockets). */
    private static final String OPENS = "--add-opens=";

    private ChildLauncherOptions() {
    }

    static List<String> ofThisJvm() {
        List<String> options = new ArrayList<>();
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith(ARCHIVE) || arg.startsWith(OPENS)) options.add(arg);
        }
        String library = System.getProperty(RocksLibrary.DIRECTORY_PROPERTY);
        if (library != null && !library.isBlank()) {
            options.add("-D" + RocksLibrary.DIRECTORY_PROPERTY + "=" + library);
            options.add("-Djava.library.path=" + library);
        }
        return options;
    }
}
