package io.keel.storage.mvcc.snapshot;

import io.keel.storage.mvcc.api.CorruptionException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * What a snapshot holds: the applied index, revision and compacted revision of the image, and its files (names
 * and sizes), which travel in chunks of {@code chunkBytes} (each file in at least one chunk, so empty files
 * travel too). Encoded with a CRC32C over the whole manifest.
 */
public record SnapshotManifest(long appliedIndex, long revision, long compactRevision, int chunkBytes,
                               List<SnapshotFile> files) {

    public record SnapshotFile(String name, long size) {}

    /** Where chunk i goes: which file, at what offset, how many bytes. */
    record Slot(int fileIndex, long offset, int length) {}

    private static final long MAGIC = 0x4b45454c534e4150L; // "KEELSNAP"
    private static final int FORMAT = 1;

    public SnapshotManifest {
        files = List.copyOf(files);
        if (chunkBytes < 1) {
            throw new IllegalArgumentException("chunkBytes must be positive, was " + chunkBytes);
        }
        for (SnapshotFile f : files) {
            // A manifest comes from another member: a name must never reach outside the target directory.
            if (f.name().isEmpty() || f.name().contains("/") || f.name().contains("\\") || f.name().startsWith(".")
                    || f.size() < 0) {
                throw new CorruptionException("snapshot manifest names a bad file: " + f);
            }
        }
    }

    public int chunkCount() {
        return slots().size();
    }

    List<Slot> slots() {
        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            long size = files.get(i).size();
            long offset = 0;
            do {
                int length = (int) Math.min(chunkBytes, size - offset);
                slots.add(new Slot(i, offset, length));
                offset += length;
            } while (offset < size);
        }
        return slots;
    }

    public byte[] encode() {
        List<byte[]> names = new ArrayList<>();
        int size = 8 + 4 + 24 + 4 + 4 + 4;
        for (SnapshotFile f : files) {
            byte[] n = f.name().getBytes(StandardCharsets.UTF_8);
            names.add(n);
            size += 4 + n.length + 8;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putLong(MAGIC).putInt(FORMAT).putLong(appliedIndex).putLong(revision).putLong(compactRevision)
                .putInt(chunkBytes).putInt(files.size());
        for (int i = 0; i < files.size(); i++) {
            b.putInt(names.get(i).length).put(names.get(i)).putLong(files.get(i).size());
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, size - 4);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    public static SnapshotManifest decode(byte[] bytes) {
        try {
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, bytes.length - 4);
            ByteBuffer b = ByteBuffer.wrap(bytes);
            if (b.getInt(bytes.length - 4) != (int) crc.getValue()) {
                throw new CorruptionException("snapshot manifest fails its crc32c");
            }
            if (b.getLong() != MAGIC || b.getInt() != FORMAT) {
                throw new CorruptionException("not a snapshot manifest of a format this build reads");
            }
            long applied = b.getLong();
            long revision = b.getLong();
            long compacted = b.getLong();
            int chunkBytes = b.getInt();
            int count = b.getInt();
            List<SnapshotFile> files = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                byte[] name = new byte[b.getInt()];
                b.get(name);
                files.add(new SnapshotFile(new String(name, StandardCharsets.UTF_8), b.getLong()));
            }
            return new SnapshotManifest(applied, revision, compacted, chunkBytes, files);
        } catch (BufferUnderflowException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new CorruptionException("snapshot manifest is truncated or malformed");
        }
    }
}
