package io.keel.storage.mvcc.apply;

import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.layout.CurrentRecord;
import java.util.EnumMap;
import java.util.Map;

/**
 * The apply thread's caches of the records it would otherwise read back from RocksDB while applying: each key's
 * CURRENT record (every put, compare and delete looks one up) and each lease's LEASE record (every put attached to a
 * lease checks that the lease exists). One {@link CurrentCache} per column family, kept in step with the batch the
 * same way: every write to a cached column goes through {@link #wrote}, and save points, commits and discards reach
 * every cache.
 *
 * <p>Of a key's CURRENT record the committed layer keeps only the leading fields ({@link CurrentRecord#leading}),
 * read through {@link BatchReads#getLeading}; a lease record is kept whole.
 *
 * <p>Leases get an eighth of the budget: a lease record is about a tenth of a 256-byte value's record, and a
 * store has far fewer leases than keys. A budget of 0 keeps no committed record (ModelTest runs the store that way
 * too), only the pending layers: the batch's own records are read from them ({@link ApplyBatch}).
 */
public final class RecordCaches {
    private final Map<Column, CurrentCache> caches = new EnumMap<>(Column.class);

    public RecordCaches(long currentCacheBytes) {
        caches.put(Column.CURRENT, new CurrentCache(currentCacheBytes, CurrentRecord::leading));
        caches.put(Column.LEASE, new CurrentCache(currentCacheBytes / 8, CurrentCache.WHOLE));
    }

    /** The cache of {@code column}'s records, or null when that column is not cached. */
    CurrentCache of(Column column) {
        return caches.get(column);
    }

    /** The batch being applied wrote {@code record} (null: deleted) under {@code key} in {@code column}. */
    void wrote(Column column, byte[] key, byte[] record) {
        CurrentCache c = caches.get(column);
        if (c != null) c.wrote(key, record);
    }

    public void setSavePoint() {
        for (CurrentCache c : caches.values()) c.setSavePoint();
    }

    public void rollBackToSavePoint() {
        for (CurrentCache c : caches.values()) c.rollBackToSavePoint();
    }

    public void releaseSavePoint() {
        for (CurrentCache c : caches.values()) c.releaseSavePoint();
    }

    public void batchCommitted() {
        for (CurrentCache c : caches.values()) c.batchCommitted();
    }

    public void batchDiscarded() {
        for (CurrentCache c : caches.values()) c.batchDiscarded();
    }
}
