package io.keel.storage.log;

import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/** Starts {@link CrashChild} in its own JVM: the current java binary and this test's class path. */
public final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * Extracts RocksDB's native library into {@code dir} once, so children load it from there: otherwise each child
     * copies 15 MB into the temp directory, and a killed one never deletes its copy.
     */
    public static Path rocksLibraryIn(Path dir) throws IOException {
        String name = Environment.getJniLibraryFileName("rocksdb");
        try (InputStream in = RocksDB.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException(name + " is not on the class path");
            Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
        return dir;
    }

    /** Starts a child with the given CrashChild arguments; its stderr goes to {@code stderr}. */
    static Process start(Path libraryDir, Path stderr, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-Djava.library.path=" + libraryDir,
                "-cp", System.getProperty("java.class.path"),
                CrashChild.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    }

    static String stderrOf(Path stderr) {
        try {
            return Files.exists(stderr) ? Files.readString(stderr) : "(no stderr)";
        } catch (IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }
}
