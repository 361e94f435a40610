package io.keel.faults.net;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small filesystem of its own for one member's data directory, which the disk-full fault fills with a file until
 * writes fail with ENOSPC: an ext2 image on a loop device, mounted at {@code keelf-<run id>-disk} (the name
 * faults/cleanup.sh looks for). Why ext2 and not a tmpfs: RocksDB preallocates its write-ahead log with fallocate
 * (1.1 times the memtable, some 70 MB), and on a tmpfs or ext4 those reserved blocks keep taking writes long
 * after the filesystem is "full"; ext2 has no fallocate, so the first write past the last free block fails.
 */
public final class SmallDisk implements AutoCloseable {
    private final Path mountPoint;
    private final Path image;
    private boolean mounted;

    public SmallDisk(String runId, Path folder, int megabytes) {
        this.mountPoint = folder.resolve(Network.PREFIX + "-" + runId + "-disk");
        this.image = folder.resolve(Network.PREFIX + "-" + runId + "-disk.img");
        try {
            Files.createDirectories(mountPoint);
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength((long) megabytes << 20);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Shell.run("mkfs.ext2", "-q", "-F", "-m", "0", image.toString());
        Shell.run("mount", "-o", "loop", image.toString(), mountPoint.toString());
        mounted = true;
        Teardown.register(this);
    }

    public Path root() {
        return mountPoint;
    }

    private Path filler() {
        return mountPoint.resolve("filler");
    }

    /** Writes zeros until the filesystem is full (dd stops at ENOSPC). */
    public void fill() {
        Shell.attempt("dd", "if=/dev/zero", "of=" + filler(), "bs=1M");
        Shell.attempt("dd", "if=/dev/zero", "of=" + filler() + "-tail", "bs=4k");
    }

    public void free() {
        try {
            Files.deleteIfExists(filler());
            Files.deleteIfExists(Path.of(filler() + "-tail"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Unmounts (lazily, should a dying member still hold a file open); the loop device goes with it. */
    @Override
    public synchronized void close() {
        if (!mounted) return;
        mounted = false;
        Shell.attempt("umount", "-l", mountPoint.toString());
        try {
            Files.deleteIfExists(image);
        } catch (IOException e) {
            // target/ is scratch
        }
        Teardown.unregister(this);
    }
}
