package io.keel.storage.log;

import java.util.Objects;

/**
 * Settings of a {@link RocksLogStorage}.
 *
 * @see #defaults()
 */
public final class LogStorageConfig {
    private final StorageFailureListener failureListener;
    private final int recentTerms;
    private final SyncedWrite syncedWrite;

    private LogStorageConfig(StorageFailureListener failureListener, int recentTerms, SyncedWrite syncedWrite) {
        this.failureListener = Objects.requireNonNull(failureListener);
        if (recentTerms < 1 || Integer.bitCount(recentTerms) != 1) {
            throw new IllegalArgumentException("recentTerms must be a power of two, not " + recentTerms);
        }
        this.recentTerms = recentTerms;
        this.syncedWrite = Objects.requireNonNull(syncedWrite);
    }

    /** No failure listener (failures still raise exceptions); the terms of the last 4096 entries kept in memory. */
    public static LogStorageConfig defaults() {
        return new LogStorageConfig(StorageFailureListener.NONE, 4096, SyncedWrite.ROCKSDB);
    }

    /** Told once when the store fails; the server stops the process from it. */
    public LogStorageConfig withFailureListener(StorageFailureListener listener) {
        return new LogStorageConfig(listener, recentTerms, syncedWrite);
    }

    /** How many of the newest entries' terms are answered from memory (a power of two). */
    public LogStorageConfig withRecentTerms(int count) {
        return new LogStorageConfig(failureListener, count, syncedWrite);
    }

    LogStorageConfig withSyncedWrite(SyncedWrite write) {
        return new LogStorageConfig(failureListener, recentTerms, write);
    }

    StorageFailureListener failureListener() {
        return failureListener;
    }

    int recentTerms() {
        return recentTerms;
    }

    SyncedWrite syncedWrite() {
        return syncedWrite;
    }
}
