package io.keel.server.cli;

import io.keel.storage.RocksLibrary;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of this JVM that make a start fast (issue 14), for a launcher it starts as a child on its own class
 * path ({@code keel local-cluster}): the class data sharing archive bin/keel gave it, which fits the child since the
 * class path is the same, and the directory of RocksDB's kept native library. Nothing when this JVM has neither.
 */
final class ChildLauncherOptions {
    private static final String ARCHIVE = "-XX:SharedArchiveFile=";

    private ChildLauncherOptions() {
    }

    static List<String> ofThisJvm() {
        List<String> options = new ArrayList<>();
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith(ARCHIVE)) options.add(arg);
        }
        String library = System.getProperty(RocksLibrary.DIRECTORY_PROPERTY);
        if (library != null && !library.isBlank()) {
            options.add("-D" + RocksLibrary.DIRECTORY_PROPERTY + "=" + library);
            options.add("-Djava.library.path=" + library);
        }
        return options;
    }
}
