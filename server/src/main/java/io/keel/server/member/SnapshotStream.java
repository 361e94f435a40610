package io.keel.server.member;

import io.keel.storage.mvcc.snapshot.SnapshotChunk;
import io.keel.storage.mvcc.snapshot.SnapshotExport;
import io.keel.storage.mvcc.snapshot.SnapshotManifest;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * A store snapshot as one byte stream for the transport: {@code int32 length, manifest}, then per chunk
 * {@code int32 length, SnapshotChunk.encode()}. Chunks are read from disk one at a time as the transport pulls,
 * so a snapshot costs one chunk of memory. The transport checks the whole stream's CRC32C; each chunk carries its
 * own, checked again on import.
 */
final class SnapshotStream extends InputStream {
    private static final int CHUNK_OVERHEAD = 4 + 4 + 4 + 8 + 4 + 4; // length prefix + SnapshotChunk framing

    private final SnapshotExport export;
    private int nextChunk;
    private ByteArrayInputStream current;

    SnapshotStream(SnapshotExport export) {
        this.export = export;
        byte[] manifest = export.manifest().encode();
        this.current = new ByteArrayInputStream(ByteBuffer.allocate(4 + manifest.length).putInt(manifest.length)
                .put(manifest).array());
    }

    /** Exactly the number of bytes the stream yields. */
    static long size(SnapshotExport export) {
        SnapshotManifest m = export.manifest();
        long data = m.files().stream().mapToLong(SnapshotManifest.SnapshotFile::size).sum();
        return 4L + m.encode().length + (long) m.chunkCount() * CHUNK_OVERHEAD + data;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        while (true) {
            int n = current.read(b, off, len);
            if (n > 0 || len == 0) return n;
            if (nextChunk >= export.chunkCount()) return -1;
            byte[] chunk = export.chunk(nextChunk++).encode();
            current = new ByteArrayInputStream(ByteBuffer.allocate(4 + chunk.length).putInt(chunk.length).put(chunk)
                    .array());
        }
    }

    /** Reads the manifest from the head of a received stream. */
    static SnapshotManifest readManifest(DataInputStream in) throws IOException {
        byte[] m = new byte[in.readInt()];
        in.readFully(m);
        return SnapshotManifest.decode(m);
    }

    /** Reads the next chunk of a received stream (verified by decode). */
    static SnapshotChunk readChunk(DataInputStream in) throws IOException {
        byte[] c = new byte[in.readInt()];
        in.readFully(c);
        return SnapshotChunk.decode(c);
    }
}
