package io.keel.server.cli;

import io.keel.storage.RocksLibrary;

import java.nio.file.Path;
import java.util.List;

/**
 * The JVM options a test gives the launchers it starts as child processes, as bin/keel does: RocksDB's native
 * library kept in one directory of this module's build (target/rocksdb-native), copied there by the first child,
 * instead of each child unpacking 15 MB into the temp directory (and leaving it there when it is stopped by a
 * signal). The class data archive bin/keel also uses is not given: it belongs to the distribution's class path.
 */
final class LauncherJvm {
    private LauncherJvm() {
    }

    static List<String> fastStartOptions() {
        String dir = Path.of("target", "rocksdb-native").toAbsolutePath().toString();
        return List.of("-D" + RocksLibrary.DIRECTORY_PROPERTY + "=" + dir, "-Djava.library.path=" + dir);
    }
}
