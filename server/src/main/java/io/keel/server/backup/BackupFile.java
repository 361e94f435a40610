package io.keel.server.backup;

import io.keel.storage.mvcc.api.CorruptionException;
import io.keel.storage.mvcc.snapshot.SnapshotChunk;
import io.keel.storage.mvcc.snapshot.SnapshotExport;
import io.keel.storage.mvcc.snapshot.SnapshotManifest;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/**
 * A Keel snapshot file, as {@code etcdctl snapshot save} writes it from Maintenance.Snapshot:
 *
 * <pre>
 *   header   magic "KEELBKUP", int32 format, int64 cluster id, int64 member id, int64 created (ms since the epoch),
 *            int64 body length, int32 CRC32C of the header
 *   body     int32 length + the store snapshot's manifest, then per chunk int32 length + SnapshotChunk (each with
 *            its own CRC32C)
 *   padding  zero bytes up to a multiple of 512
 *   trailer  SHA-256 of everything before it (32 bytes)
 * </pre>
 *
 * The padding and trailer are etcd's convention: etcdctl 3.4 keeps a saved file only if its size is a multiple of
 * 512 plus 32 (the SHA-256 etcd appends to its bbolt file). The body is the same store snapshot (a RocksDB
 * checkpoint of every column family at one applied index) that members send each other. etcd's own tools
 * ({@code etcdctl snapshot status}, {@code etcdutl snapshot restore}) read bbolt files only; Keel's files are read
 * by {@code keel snapshot status} and {@code keel snapshot restore}.
 */
public final class BackupFile {
    static final long MAGIC = 0x4b45454c424b5550L; // "KEELBKUP"
    static final int FORMAT = 1;
    static final int HEADER_BYTES = 8 + 4 + 8 + 8 + 8 + 8 + 4;
    static final int ALIGN = 512;
    static final int SHA_BYTES = 32;
    /** Per chunk: the length prefix and SnapshotChunk's framing (index, file, offset, length, crc). */
    private static final int CHUNK_OVERHEAD = 4 + 4 + 4 + 8 + 4 + 4;
    /** bbolt's meta page magic, at offset 16 of an etcd snapshot. */
    private static final int BOLT_MAGIC = 0xED0CDAED;

    private BackupFile() {
    }

    /** What a verified file says about itself. */
    public record Info(long clusterId, long memberId, long createdMillis, SnapshotManifest manifest, long fileBytes,
                       String sha256) {
    }

    /** Receives the chunks of a file being read, in order, each verified against its CRC32C. */
    public interface ChunkSink {
        void accept(SnapshotChunk chunk) throws IOException;
    }

    /** The bytes of a snapshot file, read from the export's checkpoint one chunk at a time. */
    public static InputStream stream(SnapshotExport export, long clusterId, long memberId, long createdMillis) {
        return new Writer(export, clusterId, memberId, createdMillis);
    }

    /** The exact size of the file {@link #stream} yields. */
    public static long size(SnapshotExport export) {
        long unpadded = HEADER_BYTES + bodyLength(export.manifest());
        return align(unpadded) + SHA_BYTES;
    }

    private static long bodyLength(SnapshotManifest m) {
        long data = m.files().stream().mapToLong(SnapshotManifest.SnapshotFile::size).sum();
        return 4L + m.encode().length + (long) m.chunkCount() * CHUNK_OVERHEAD + data;
    }

    private static long align(long n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }

    /**
     * Checks a whole file (its size, its SHA-256, its header, manifest, every chunk's CRC32C and the padding) and
     * hands each chunk to {@code sink}. Throws {@link BackupFileException} with the reason when the file is empty,
     * truncated, damaged or not a Keel snapshot; nothing is handed to the sink before the SHA-256 has matched.
     */
    public static Info read(Path file, ChunkSink sink) throws IOException {
        return read(file, sink, manifest -> { });
    }

    /** Receives the manifest of a file being read, before its chunks. */
    public interface ManifestSink {
        void accept(SnapshotManifest manifest) throws IOException;
    }

    /** As {@link #read(Path, ChunkSink)}, telling {@code manifests} the manifest before the first chunk. */
    public static Info read(Path file, ChunkSink sink, ManifestSink manifests) throws IOException {
        if (!Files.exists(file)) throw new BackupFileException(file + ": no such file");
        if (!Files.isRegularFile(file)) throw new BackupFileException(file + " is not a regular file");
        long size = Files.size(file);
        if (size == 0) throw new BackupFileException(file + " is empty: not a snapshot (an interrupted save?)");
        byte[] head = new byte[(int) Math.min(size, HEADER_BYTES)];
        try (InputStream in = Files.newInputStream(file)) {
            readFully(in, head);
        }
        boolean ours = head.length >= 8 && ByteBuffer.wrap(head).getLong() == MAGIC;
        if (!ours) {
            if (size >= 20 && isBolt(file)) {
                throw new BackupFileException(file + " is an etcd (bbolt) snapshot, not a Keel snapshot: Keel restores"
                        + " only snapshots saved from Keel members (etcdutl reads etcd's)");
            }
            throw new BackupFileException(file + " is not a Keel snapshot (it does not start with Keel's mark; a file"
                    + " from another program?)");
        }
        if (size < ALIGN + SHA_BYTES || size % ALIGN != SHA_BYTES) {
            throw new BackupFileException(file + " is truncated or padded: " + size + " bytes, but a Keel snapshot"
                    + " is a multiple of 512 bytes plus its 32-byte SHA-256");
        }
        String sha = checkSha256(file, size);
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            ByteBuffer h = ByteBuffer.wrap(readN(in, HEADER_BYTES));
            h.getLong();
            int format = h.getInt();
            long clusterId = h.getLong();
            long memberId = h.getLong();
            long created = h.getLong();
            long bodyLength = h.getLong();
            CRC32C crc = new CRC32C();
            crc.update(h.array(), 0, HEADER_BYTES - 4);
            if (h.getInt() != (int) crc.getValue()) {
                throw new BackupFileException(file + ": its header fails its CRC32C (damaged)");
            }
            if (format != FORMAT) {
                throw new BackupFileException(file + " is a Keel snapshot of format " + format + "; this build reads"
                        + " format " + FORMAT);
            }
            if (bodyLength < 4 || align(HEADER_BYTES + bodyLength) + SHA_BYTES != size) {
                throw new BackupFileException(file + ": its header announces " + bodyLength + " bytes of snapshot,"
                        + " which does not fit the file's " + size + " bytes (truncated?)");
            }
            SnapshotManifest manifest;
            try {
                manifest = SnapshotManifest.decode(readN(in, lengthPrefix(in, bodyLength, file)));
            } catch (CorruptionException e) {
                throw new BackupFileException(file + ": " + e.getMessage());
            }
            if (bodyLength(manifest) != bodyLength) {
                throw new BackupFileException(file + ": its manifest describes " + bodyLength(manifest)
                        + " bytes of snapshot, its header " + bodyLength);
            }
            manifests.accept(manifest);
            for (int i = 0; i < manifest.chunkCount(); i++) {
                SnapshotChunk chunk;
                try {
                    chunk = SnapshotChunk.decode(readN(in, lengthPrefix(in, bodyLength, file)));
                } catch (CorruptionException e) {
                    throw new BackupFileException(file + ": " + e.getMessage());
                }
                if (chunk.index() != i) {
                    throw new BackupFileException(file + ": chunk " + chunk.index() + " where chunk " + i
                            + " belongs");
                }
                sink.accept(chunk);
            }
            long padding = size - SHA_BYTES - HEADER_BYTES - bodyLength;
            for (long i = 0; i < padding; i++) {
                if (in.read() != 0) throw new BackupFileException(file + ": its padding is not zero (damaged)");
            }
            return new Info(clusterId, memberId, created, manifest, size, sha);
        } catch (EOFException e) {
            throw new BackupFileException(file + " ends early (truncated)");
        }
    }

    private static int lengthPrefix(DataInputStream in, long bodyLength, Path file) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > bodyLength) {
            throw new BackupFileException(file + ": a record length of " + n + " bytes (damaged)");
        }
        return n;
    }

    private static byte[] readN(DataInputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    private static void readFully(InputStream in, byte[] b) throws IOException {
        int off = 0;
        while (off < b.length) {
            int n = in.read(b, off, b.length - off);
            if (n < 0) throw new EOFException();
            off += n;
        }
    }

    private static boolean isBolt(Path file) throws IOException {
        byte[] b = new byte[20];
        try (InputStream in = Files.newInputStream(file)) {
            readFully(in, b);
        }
        // bbolt writes its meta page in the machine's byte order (little-endian on the machines etcd runs on).
        int magic = ByteBuffer.wrap(b, 16, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
        return magic == BOLT_MAGIC;
    }

    private static String checkSha256(Path file, long size) throws IOException {
        MessageDigest sha = sha256();
        byte[] trailer = new byte[SHA_BYTES];
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            byte[] buf = new byte[1 << 16];
            long left = size - SHA_BYTES;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) throw new BackupFileException(file + " ends early (truncated)");
                sha.update(buf, 0, n);
                left -= n;
            }
            readFully(in, trailer);
        }
        byte[] computed = sha.digest();
        if (!MessageDigest.isEqual(computed, trailer)) {
            throw new BackupFileException(file + " fails its SHA-256 check (damaged or truncated): it carries "
                    + HexFormat.of().formatHex(trailer) + ", its contents hash to " + HexFormat.of().formatHex(computed));
        }
        return HexFormat.of().formatHex(computed);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Yields the file's bytes, reading one chunk of the checkpoint at a time; hashes as it goes. */
    private static final class Writer extends InputStream {
        private final SnapshotExport export;
        private final MessageDigest sha = sha256();
        private final long padding;
        private ByteArrayInputStream current;
        private int nextChunk;
        private int phase; // 0: header and body, 1: padding, 2: trailer, 3: done

        Writer(SnapshotExport export, long clusterId, long memberId, long createdMillis) {
            this.export = export;
            long body = bodyLength(export.manifest());
            this.padding = align(HEADER_BYTES + body) - HEADER_BYTES - body;
            ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).putLong(MAGIC).putInt(FORMAT).putLong(clusterId)
                    .putLong(memberId).putLong(createdMillis).putLong(body);
            CRC32C crc = new CRC32C();
            crc.update(h.array(), 0, HEADER_BYTES - 4);
            h.putInt((int) crc.getValue());
            byte[] manifest = export.manifest().encode();
            byte[] first = ByteBuffer.allocate(HEADER_BYTES + 4 + manifest.length).put(h.array())
                    .putInt(manifest.length).put(manifest).array();
            current = new ByteArrayInputStream(first);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            while (true) {
                int n = current.read(b, off, len);
                if (n > 0) {
                    if (phase < 2) sha.update(b, off, n);
                    return n;
                }
                if (phase == 0 && nextChunk < export.chunkCount()) {
                    byte[] chunk = export.chunk(nextChunk++).encode();
                    current = new ByteArrayInputStream(ByteBuffer.allocate(4 + chunk.length).putInt(chunk.length)
                            .put(chunk).array());
                } else if (phase == 0) {
                    phase = 1;
                    current = new ByteArrayInputStream(new byte[(int) padding]);
                } else if (phase == 1) {
                    phase = 2;
                    current = new ByteArrayInputStream(sha.digest());
                } else {
                    phase = 3;
                    return -1;
                }
            }
        }
    }
}
