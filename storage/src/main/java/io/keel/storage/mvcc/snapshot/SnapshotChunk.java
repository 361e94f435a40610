package io.keel.storage.mvcc.snapshot;

import io.keel.storage.mvcc.api.CorruptionException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * One piece of a snapshot file: chunk {@code index}, the bytes of file {@code fileIndex} from {@code offset}.
 * The CRC32C covers the position as well as the data, so a chunk delivered to the wrong place is caught too.
 */
public record SnapshotChunk(int index, int fileIndex, long offset, byte[] data, int crc32c) {

    public static SnapshotChunk of(int index, int fileIndex, long offset, byte[] data) {
        return new SnapshotChunk(index, fileIndex, offset, data, checksum(index, fileIndex, offset, data));
    }

    /** Throws if the data does not match its checksum. */
    public void verify() {
        int actual = checksum(index, fileIndex, offset, data);
        if (actual != crc32c) {
            throw new CorruptionException(String.format(
                    "snapshot chunk %d (file %d, offset %d, %d bytes) fails its crc32c (carried %08x, computed %08x)",
                    index, fileIndex, offset, data.length, crc32c, actual));
        }
    }

    public byte[] encode() {
        return ByteBuffer.allocate(4 + 4 + 8 + 4 + data.length + 4)
                .putInt(index).putInt(fileIndex).putLong(offset).putInt(data.length).put(data).putInt(crc32c)
                .array();
    }

    /** Decodes and verifies a chunk. */
    public static SnapshotChunk decode(byte[] bytes) {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            int index = b.getInt();
            int fileIndex = b.getInt();
            long offset = b.getLong();
            byte[] data = new byte[b.getInt()];
            b.get(data);
            SnapshotChunk chunk = new SnapshotChunk(index, fileIndex, offset, data, b.getInt());
            chunk.verify();
            return chunk;
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new CorruptionException("snapshot chunk is truncated or malformed");
        }
    }

    private static int checksum(int index, int fileIndex, long offset, byte[] data) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(16).putInt(index).putInt(fileIndex).putLong(offset).flip());
        crc.update(data);
        return (int) crc.getValue();
    }
}
