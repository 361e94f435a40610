package io.keel.storage.mvcc.apply;

import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.layout.CurrentRecord;
import io.keel.storage.mvcc.layout.HistoryRecord;
import io.keel.storage.mvcc.layout.KeyIndexEntry;
import io.keel.storage.mvcc.layout.LeaseRecords;
import io.keel.storage.mvcc.layout.RevisionKey;

/**
 * The writes of one operation, all at main revision {@code revision}, numbered by sub revision in the order they
 * happen (etcd's main/sub revisions). Each version goes to HISTORY, KEY_INDEX and CURRENT, and moves the key's
 * lease attachment, all in the batch: nothing reaches the database until the batch is written. Every write goes
 * through {@link ApplyBatch}, which tells the apply thread's {@link RecordCaches}, so a cached record is never older
 * than the batch.
 */
final class RevisionWriter {
    private final ApplyBatch batch;
    private final long revision;
    private long sub;

    RevisionWriter(ApplyBatch batch, long baseRevision) {
        this.batch = batch;
        this.revision = baseRevision + 1;
    }

    boolean wrote() {
        return sub > 0;
    }

    /** The revision of the writes made so far (the next one), which is also the response header's. */
    long revision() {
        return revision;
    }

    /** The store's revision as seen from inside the operation: the base until the first write. */
    long currentRevision() {
        return wrote() ? revision : revision - 1;
    }

    /** Writes a new version of {@code key}; {@code prev} is its live version, null if it has none. */
    KeyValue put(byte[] key, byte[] value, long lease, KeyValue prev) {
        KeyValue kv = new KeyValue(key, prev == null ? revision : prev.createRevision(), revision,
                prev == null ? 1 : prev.version() + 1, value, lease);
        long s = sub++;
        byte[] revisionKey = RevisionKey.of(revision, s);
        put(Column.HISTORY, revisionKey, HistoryRecord.encode(revisionKey, kv, false));
        byte[] indexKey = KeyIndexEntry.key(KeyIndexEntry.prefix(key), revision, s);
        put(Column.KEY_INDEX, indexKey, KeyIndexEntry.value(indexKey, KeyIndexEntry.PUT));
        byte[] current = CurrentRecord.encode(kv);
        put(Column.CURRENT, key, current);
        long oldLease = prev == null ? 0 : prev.lease();
        if (oldLease != lease) {
            if (oldLease != 0) {
                delete(Column.LEASE_KEY, LeaseRecords.attachmentKey(oldLease, key));
            }
            if (lease != 0) {
                byte[] attachment = LeaseRecords.attachmentKey(lease, key);
                put(Column.LEASE_KEY, attachment, LeaseRecords.attachmentValue(attachment));
            }
        }
        return kv;
    }

    /** Deletes the live version {@code prev}: a tombstone in history, and the key leaves CURRENT and its lease. */
    void delete(KeyValue prev) {
        byte[] key = prev.key();
        long s = sub++;
        byte[] revisionKey = RevisionKey.of(revision, s);
        put(Column.HISTORY, revisionKey, HistoryRecord.encode(revisionKey, KeyValue.tombstone(key, revision), true));
        byte[] indexKey = KeyIndexEntry.key(KeyIndexEntry.prefix(key), revision, s);
        put(Column.KEY_INDEX, indexKey, KeyIndexEntry.value(indexKey, KeyIndexEntry.TOMBSTONE));
        delete(Column.CURRENT, key);
        if (prev.lease() != 0) {
            delete(Column.LEASE_KEY, LeaseRecords.attachmentKey(prev.lease(), key));
        }
    }

    void put(Column column, byte[] key, byte[] value) {
        batch.put(column, key, value);
    }

    void delete(Column column, byte[] key) {
        batch.delete(column, key);
    }
}
