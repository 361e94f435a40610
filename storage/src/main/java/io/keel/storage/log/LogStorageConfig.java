package io.keel.storage.log;

import io.keel.storage.failure.StorageFailureListener;
import java.util.Objects;

/**
 * Settings of a {@link RocksLogStorage}.
 *
 * @see #defaults()
 */
public final class LogStorageConfig {
    private final StorageFailureListener failureListener;
    private final int recentEntries;
    private final long recentEntriesMaxBytes;
    private final SyncedWrite syncedWrite;

    private LogStorageConfig(StorageFailureListener failureListener, int recentEntries, long recentEntriesMaxBytes,
                             SyncedWrite syncedWrite) {
        this.failureListener = Objects.requireNonNull(failureListener);
        if (recentEntries < 1 || Integer.bitCount(recentEntries) != 1) {
            throw new IllegalArgumentException("recentEntries must be a power of two, not " + recentEntries);
        }
        if (recentEntriesMaxBytes < 1) {
            throw new IllegalArgumentException("recentEntriesMaxBytes must be positive, not " + recentEntriesMaxBytes);
        }
        this.recentEntries = recentEntries;
        this.recentEntriesMaxBytes = recentEntriesMaxBytes;
        this.syncedWrite = Objects.requireNonNull(syncedWrite);
    }

    /**
     * No failure listener (failures still raise exceptions); the last 4096 entries, up to 16 MiB of payload, kept in
     * memory.
     */
    public static LogStorageConfig defaults() {
        return new LogStorageConfig(StorageFailureListener.NONE, 4096, 16L << 20, SyncedWrite.ROCKSDB);
    }

    /** Told once when the store fails; the server stops the process from it. */
    public LogStorageConfig withFailureListener(StorageFailureListener listener) {
        return new LogStorageConfig(listener, recentEntries, recentEntriesMaxBytes, syncedWrite);
    }

    /**
     * How many of the newest entries (a power of two), and at most how many bytes of their payload, are answered
     * from memory: their terms and the entries themselves.
     */
    public LogStorageConfig withRecentEntries(int count, long maxBytes) {
        return new LogStorageConfig(failureListener, count, maxBytes, syncedWrite);
    }

    LogStorageConfig withSyncedWrite(SyncedWrite write) {
        return new LogStorageConfig(failureListener, recentEntries, recentEntriesMaxBytes, write);
    }

    StorageFailureListener failureListener() {
        return failureListener;
    }

    int recentEntries() {
        return recentEntries;
    }

    long recentEntriesMaxBytes() {
        return recentEntriesMaxBytes;
    }

    SyncedWrite syncedWrite() {
        return syncedWrite;
    }
}
