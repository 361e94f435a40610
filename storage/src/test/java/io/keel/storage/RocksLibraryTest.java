package io.keel.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RocksDB's native library kept in a directory (issue 14): copied once, reused while whole, replaced when not. */
class RocksLibraryTest {
    @TempDir
    Path dir;

    @Test
    void copiesTheLibraryOnceAndReusesAnIdenticalCopy() throws Exception {
        Path copy = RocksLibrary.ensureCopy(dir);
        assertEquals(dir, copy.getParent());
        assertEquals(org.rocksdb.util.Environment.getJniLibraryFileName("rocksdb"), copy.getFileName().toString());
        byte[] fromJar;
        try (var in = RocksDB.class.getClassLoader().getResourceAsStream(copy.getFileName().toString())) {
            fromJar = in.readAllBytes();
        }
        assertEquals(crc(fromJar), crc(Files.readAllBytes(copy)), "the copy is the jar's library");

        FileTime marked = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(copy, marked);
        Object inode = Files.readAttributes(copy, "unix:ino").get("ino");
        assertEquals(copy, RocksLibrary.ensureCopy(dir));
        assertEquals(marked, Files.getLastModifiedTime(copy), "an identical copy is not written again");
        assertEquals(inode, Files.readAttributes(copy, "unix:ino").get("ino"));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no partial file is left behind");
        }
    }

    @Test
    void replacesACopyThatIsTruncatedOrDamaged() throws Exception {
        Path copy = RocksLibrary.ensureCopy(dir);
        byte[] good = Files.readAllBytes(copy);

        Files.write(copy, java.util.Arrays.copyOf(good, good.length / 2)); // a torn copy
        RocksLibrary.ensureCopy(dir);
        assertArrayEquals(good, Files.readAllBytes(copy));

        byte[] flipped = good.clone();
        flipped[flipped.length / 3] ^= 0x40; // same size, one bit different
        Files.write(copy, flipped);
        assertNotEquals(crc(good), crc(Files.readAllBytes(copy)));
        RocksLibrary.ensureCopy(dir);
        assertArrayEquals(good, Files.readAllBytes(copy));
    }

    @Test
    void aJvmGivenTheDirectoryLoadsRocksDbFromTheCopyThere() throws Exception {
        Path output = dir.resolve("child.out");
        Path lib = dir.resolve("lib");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "-D" + RocksLibrary.DIRECTORY_PROPERTY + "=" + lib, "-Djava.library.path=" + lib,
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), dir.resolve("db").toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish");
        String out = Files.readString(output);
        assertEquals(0, child.exitValue(), out);
        Path copy = lib.resolve(org.rocksdb.util.Environment.getJniLibraryFileName("rocksdb"));
        assertTrue(Files.isRegularFile(copy), out);
        // The only RocksDB library the child mapped is the kept copy: nothing was unpacked anywhere else.
        assertEquals("mapped " + copy.toRealPath(), out.lines().filter(l -> l.startsWith("mapped ")).distinct()
                .reduce((a, b) -> a + " | " + b).orElse("nothing mapped: " + out));
    }

    /** The child: loads RocksDB as the stores do, opens a database, prints which RocksDB library it mapped. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            RocksLibrary.load();
            try (Options options = new Options().setCreateIfMissing(true); RocksDB db = RocksDB.open(options, args[0])) {
                db.put("k".getBytes(), "v".getBytes());
            }
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int at = line.indexOf('/');
                if (at >= 0 && line.contains("librocksdbjni")) System.out.println("mapped " + line.substring(at));
            }
        }
    }

    private static long crc(byte[] bytes) {
        CRC32 c = new CRC32();
        c.update(bytes);
        return c.getValue();
    }
}
