package io.keel.storage;

import org.rocksdb.RocksDB;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.jar.JarEntry;
import java.util.zip.CRC32;

/**
 * Loads RocksDB's native library without unpacking it at every start (issue 14: a restarted member should serve
 * within a couple of seconds).
 *
 * <p>RocksDB's own loader looks for its library on {@code java.library.path} first and otherwise copies it, 15 MB,
 * out of its 80 MB jar into a new temporary file, every time a JVM starts. That costs a restarting member a few
 * hundred milliseconds on a busy machine, and since the copy is only deleted by a JVM that exits normally, a member
 * stopped by a signal (whose shutdown hook halts the JVM) leaves one 15 MB file in /tmp per start.
 *
 * <p>When the system property {@value #DIRECTORY_PROPERTY} names a directory (the launcher script names one per
 * RocksDB version under the user's cache directory, and puts the same directory on {@code java.library.path}), the
 * library is copied there once, under the name RocksDB looks for, and found there by every later start. An existing
 * copy is used only if its size and CRC-32 equal those the jar records for the library, so a truncated or foreign
 * file is replaced, never loaded; a copy is written to a temporary file and renamed into place, so concurrent starts
 * never see half a library. Anything going wrong here only means RocksDB unpacks its own copy, as before.
 */
public final class RocksLibrary {
    /** The directory for the library's copy; it should also be on {@code java.library.path}. */
    public static final String DIRECTORY_PROPERTY = "keel.rocksdb.library.dir";

    private static final Logger LOG = LoggerFactory.getLogger(RocksLibrary.class);
    private static boolean loaded; // guarded by RocksLibrary.class

    private RocksLibrary() {
    }

    /** Loads the library (once per JVM), from the copy in {@value #DIRECTORY_PROPERTY} when it names one. */
    public static synchronized void load() {
        if (loaded) return;
        String dir = System.getProperty(DIRECTORY_PROPERTY);
        if (dir != null && !dir.isBlank()) {
            try {
                ensureCopy(Path.of(dir));
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot keep RocksDB's native library in {} ({}); RocksDB unpacks its own copy", dir,
                        e.toString());
            }
        }
        RocksDB.loadLibrary();
        loaded = true;
    }

    /**
     * Makes {@code dir} hold this JVM's RocksDB library under the name RocksDB's loader looks for on
     * {@code java.library.path}, copying it from the jar unless an identical copy is there. Returns the copy.
     */
    static Path ensureCopy(Path dir) throws IOException {
        // The name is the platform's (e.g. librocksdbjni-linux64.so): RocksDB picks the resource by it, and the
        // loader asks java.library.path for exactly this file.
        String name = org.rocksdb.util.Environment.getJniLibraryFileName("rocksdb");
        URL resource = RocksDB.class.getClassLoader().getResource(name);
        if (resource == null) throw new IOException(name + " is not on the class path");
        URLConnection connection = resource.openConnection();
        if (!(connection instanceof JarURLConnection jar)) throw new IOException(resource + " is not in a jar");
        JarEntry entry = jar.getJarEntry();
        long size = entry.getSize();
        long crc = entry.getCrc();
        if (size < 0 || crc < 0) throw new IOException("the jar records no size or checksum for " + name);
        Path copy = dir.resolve(name);
        if (Files.isRegularFile(copy) && Files.size(copy) == size && crc32(copy) == crc) return copy;

        Files.createDirectories(dir);
        Path partial = Files.createTempFile(dir, name, ".partial");
        try {
            try (InputStream in = jar.getInputStream();
                 OutputStream out = Files.newOutputStream(partial, StandardOpenOption.WRITE)) {
                in.transferTo(out);
            }
            if (Files.size(partial) != size || crc32(partial) != crc) {
                throw new IOException("the copy of " + name + " does not match the jar's checksum");
            }
            try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                ch.force(true); // the rename below must not expose a file whose data a crash could lose
            }
            try {
                Files.move(partial, copy, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename a file atomically in " + dir, e);
            }
            LOG.info("copied RocksDB's native library to {} (later starts load it from there)", copy);
            return copy;
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    private static long crc32(Path file) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) crc.update(buffer, 0, n);
        }
        return crc.getValue();
    }
}
