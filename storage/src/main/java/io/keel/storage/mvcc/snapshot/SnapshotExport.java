package io.keel.storage.mvcc.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A snapshot ready to send: its manifest, and its chunks read on demand (one at a time, so a slow receiver
 * holds no more than a chunk in memory). The files stay until the next export replaces them; a transfer still
 * reading this one then fails with NoSuchFileException and should restart with the newer snapshot.
 */
public final class SnapshotExport {
    private final Path directory;
    private final SnapshotManifest manifest;
    private final List<SnapshotManifest.Slot> slots;

    SnapshotExport(Path directory, SnapshotManifest manifest) {
        this.directory = directory;
        this.manifest = manifest;
        this.slots = manifest.slots();
    }

    public SnapshotManifest manifest() {
        return manifest;
    }

    public int chunkCount() {
        return slots.size();
    }

    public SnapshotChunk chunk(int index) {
        SnapshotManifest.Slot slot = slots.get(index);
        Path file = directory.resolve(manifest.files().get(slot.fileIndex()).name());
        ByteBuffer data = ByteBuffer.allocate(slot.length());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (data.hasRemaining()) {
                if (ch.read(data, slot.offset() + data.position()) < 0) {
                    throw new IOException(file + " is shorter than its manifest says");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading snapshot chunk " + index, e);
        }
        return SnapshotChunk.of(index, slot.fileIndex(), slot.offset(), data.array());
    }
}
