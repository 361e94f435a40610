package io.keel.faults.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small tmpfs for one member's data directory, which the disk-full fault fills with a file until writes fail
 * with ENOSPC. Its source name ({@code keelf-<run id>}) is how faults/cleanup.sh finds it.
 */
public final class SmallDisk implements AutoCloseable {
    private final Path mountPoint;
    private boolean mounted;

    public SmallDisk(String runId, Path mountPoint, int megabytes) {
        this.mountPoint = mountPoint;
        try {
            Files.createDirectories(mountPoint);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Shell.run("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", Network.PREFIX + "-" + runId,
                mountPoint.toString());
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
    }

    public void free() {
        try {
            Files.deleteIfExists(filler());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Unmounts (lazily, should a dying member still hold a file open). */
    @Override
    public synchronized void close() {
        if (!mounted) return;
        mounted = false;
        Shell.attempt("umount", "-l", mountPoint.toString());
        Teardown.unregister(this);
    }
}
