package io.keel.storage.mvcc;

import io.keel.storage.failure.StorageFailureListener;

/**
 * How to open an {@link MvccStore}.
 *
 * @param failureListener     told once when the store stops (fail-stop)
 * @param writeBufferBytes    RocksDB memtable size per column family
 * @param blockCacheBytes     RocksDB block cache shared by the column families
 * @param maxDiskBytes        0 for no limit; otherwise RocksDB refuses to grow its files past this, which fails
 *                            the store like a full disk would
 * @param snapshotChunkBytes  size of the chunks a snapshot is exported in
 * @param syncEveryApply      true (default): every {@code applyAll} is fsynced (through RocksDB's WAL) before it
 *                            returns. False: the store has no WAL; applies stay in RocksDB's memtables until
 *                            {@link MvccStore#sync()} (or RocksDB, when a memtable fills) flushes every column
 *                            family at once, so any crash, a process's too, may lose the applies since the last
 *                            flush and the store reopens whole at that flush's applied index. Only for a store that
 *                            can be rebuilt from a log that keeps every entry after its last sync (a Keel member's
 *                            Raft log, compacted only after a sync).
 * @param counters            where the store counts its ranges, puts, deletes, transactions and live keys
 *                            ({@link StoreCounters}); shared by the stores a member opens one after another
 * @param currentCacheBytes   memory for the apply thread's cache of keys' current records ({@code apply.CurrentCache}):
 *                            a write reads its key's live version first, and a hot key's is found here instead of
 *                            in RocksDB's memtables. 0 turns the cache off.
 */
public record MvccOptions(StorageFailureListener failureListener, long writeBufferBytes, long blockCacheBytes,
                          long maxDiskBytes, int snapshotChunkBytes, boolean syncEveryApply,
                          long currentCacheBytes, StoreCounters counters) {

    public static MvccOptions defaults() {
        return new MvccOptions(cause -> { }, 64L << 20, 64L << 20, 0, 1 << 20, true, 16L << 20,
                new StoreCounters());
    }

    public MvccOptions withSyncEveryApply(boolean sync) {
        return new MvccOptions(failureListener, writeBufferBytes, blockCacheBytes, maxDiskBytes, snapshotChunkBytes,
                sync, currentCacheBytes, counters);
    }

    public MvccOptions withFailureListener(StorageFailureListener listener) {
        return new MvccOptions(listener, writeBufferBytes, blockCacheBytes, maxDiskBytes, snapshotChunkBytes, syncEveryApply, currentCacheBytes, counters);
    }

    public MvccOptions withWriteBufferBytes(long bytes) {
        return new MvccOptions(failureListener, bytes, blockCacheBytes, maxDiskBytes, snapshotChunkBytes, syncEveryApply, currentCacheBytes, counters);
    }

    public MvccOptions withMaxDiskBytes(long bytes) {
        return new MvccOptions(failureListener, writeBufferBytes, blockCacheBytes, bytes, snapshotChunkBytes, syncEveryApply, currentCacheBytes, counters);
    }

    public MvccOptions withSnapshotChunkBytes(int bytes) {
        return new MvccOptions(failureListener, writeBufferBytes, blockCacheBytes, maxDiskBytes, bytes, syncEveryApply, currentCacheBytes, counters);
    }

    public MvccOptions withCurrentCacheBytes(long bytes) {
        return new MvccOptions(failureListener, writeBufferBytes, blockCacheBytes, maxDiskBytes, snapshotChunkBytes,
                syncEveryApply, bytes, counters);
    }

    public MvccOptions withCounters(StoreCounters c) {
        return new MvccOptions(failureListener, writeBufferBytes, blockCacheBytes, maxDiskBytes, snapshotChunkBytes,
                syncEveryApply, currentCacheBytes, c);
    }
}
