package io.keel.storage.mvcc;

/**
 * How to open an {@link MvccStore}.
 *
 * @param failureListener     told once when the store stops (fail-stop)
 * @param writeBufferBytes    RocksDB memtable size per column family
 * @param blockCacheBytes     RocksDB block cache shared by the column families
 * @param maxDiskBytes        0 for no limit; otherwise RocksDB refuses to grow its files past this, which fails
 *                            the store like a full disk would
 * @param snapshotChunkBytes  size of the chunks a snapshot is exported in
 */
public record MvccOptions(FailureListener failureListener, long writeBufferBytes, long blockCacheBytes,
                          long maxDiskBytes, int snapshotChunkBytes) {

    public static MvccOptions defaults() {
        return new MvccOptions(cause -> { }, 64L << 20, 64L << 20, 0, 1 << 20);
    }

    public MvccOptions withFailureListener(FailureListener listener) {
        return new MvccOptions(listener, writeBufferBytes, blockCacheBytes, maxDiskBytes, snapshotChunkBytes);
    }

    public MvccOptions withWriteBufferBytes(long bytes) {
        return new MvccOptions(failureListener, bytes, blockCacheBytes, maxDiskBytes, snapshotChunkBytes);
    }

    public MvccOptions withMaxDiskBytes(long bytes) {
        return new MvccOptions(failureListener, writeBufferBytes, blockCacheBytes, bytes, snapshotChunkBytes);
    }

    public MvccOptions withSnapshotChunkBytes(int bytes) {
        return new MvccOptions(failureListener, writeBufferBytes, blockCacheBytes, maxDiskBytes, bytes);
    }
}
