package io.keel.storage.mvcc.read;

import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.Keys;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.RevisionCompactedException;
import io.keel.storage.mvcc.layout.Checksum;
import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.layout.CurrentRecord;
import io.keel.storage.mvcc.layout.HistoryRecord;
import io.keel.storage.mvcc.layout.KeyIndexEntry;
import io.keel.storage.mvcc.layout.ReadSource;
import io.keel.storage.mvcc.layout.RevisionKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.RocksIterator;

/**
 * Reads keys at a revision: at the current revision from CURRENT (one seek, values inline), at a past one from
 * KEY_INDEX (per key, the entry at or below the revision) and HISTORY (its value).
 */
public final class RevisionReader {
    private final ReadSource reads;
    private final long currentRevision;
    private final long compactRevision;

    /** What a scan found: up to the fetch limit of versions, and how many matched in all. */
    public record Scan(List<KeyValue> kvs, long count) {}

    public RevisionReader(ReadSource reads, long currentRevision, long compactRevision) {
        this.reads = reads;
        this.currentRevision = currentRevision;
        this.compactRevision = compactRevision;
    }

    public long currentRevision() {
        return currentRevision;
    }

    long compactRevision() {
        return compactRevision;
    }

    /** etcd's rule for a requested revision: 0 or less is the current one; it may equal the compacted one. */
    public long resolve(long requested) {
        if (requested > currentRevision) {
            throw new MvccException(EtcdError.FUTURE_REVISION);
        }
        long rev = requested <= 0 ? currentRevision : requested;
        if (rev < compactRevision) {
            throw new RevisionCompactedException(compactRevision);
        }
        return rev;
    }

    /** The live version of {@code key}, or null. */
    public KeyValue current(byte[] key) {
        byte[] v = reads.get(Column.CURRENT, key);
        return v == null ? null : CurrentRecord.decode(key, v);
    }

    /**
     * The live version of {@code key} with an empty value, or null: for a write or compare that needs only its
     * revisions, version and lease, which the apply thread keeps in memory ({@link ReadSource#getLeading}).
     */
    public KeyValue currentWithoutValue(byte[] key) {
        byte[] v = reads.getLeading(Column.CURRENT, key);
        return v == null ? null : CurrentRecord.decodeWithoutValue(key, v);
    }

    /** The version of {@code key} live at {@code rev} (already resolved), or null. */
    KeyValue at(byte[] key, long rev) {
        if (rev == currentRevision) {
            return current(key);
        }
        try (RocksIterator it = reads.iterator(Column.KEY_INDEX)) {
            KeyValue kv = liveAt(it, KeyIndexEntry.prefix(key), rev, true);
            ReadSource.finish(it, Column.KEY_INDEX);
            return kv;
        }
    }

    /**
     * The keys of {@code range} live at {@code rev} (already resolved), in key order: all are counted, at most
     * {@code fetchLimit} (0 for all) are read, none when {@code countOnly}.
     */
    public Scan scan(KeyRange range, long rev, long fetchLimit, boolean countOnly) {
        long want = countOnly ? 0 : fetchLimit <= 0 ? Long.MAX_VALUE : fetchLimit;
        return rev == currentRevision ? scanCurrent(range, want) : scanHistory(range, rev, want);
    }

    private Scan scanCurrent(KeyRange range, long want) {
        if (range.isSingleKey()) {
            KeyValue kv = current(range.key());
            return kv == null ? new Scan(List.of(), 0) : new Scan(want > 0 ? List.of(kv) : List.of(), 1);
        }
        List<KeyValue> kvs = new ArrayList<>();
        long count = 0;
        try (RocksIterator it = reads.iterator(Column.CURRENT)) {
            for (it.seek(range.key()); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (range.isPastEnd(k)) {
                    break;
                }
                count++;
                if (kvs.size() < want) {
                    kvs.add(CurrentRecord.decode(k, it.value()));
                }
            }
            ReadSource.finish(it, Column.CURRENT);
        }
        return new Scan(kvs, count);
    }

    private Scan scanHistory(KeyRange range, long rev, long want) {
        List<KeyValue> kvs = new ArrayList<>();
        long count = 0;
        try (RocksIterator it = reads.iterator(Column.KEY_INDEX)) {
            if (range.isSingleKey()) {
                KeyValue kv = liveAt(it, KeyIndexEntry.prefix(range.key()), rev, want > 0);
                if (kv != null) {
                    count = 1;
                    if (want > 0) {
                        kvs.add(kv);
                    }
                }
            } else {
                // Escaping preserves order, so the end can be compared in escaped form without unescaping keys.
                byte[] endPrefix = range.isUnbounded() ? null : KeyIndexEntry.prefix(range.rangeEnd());
                it.seek(KeyIndexEntry.prefix(range.key()));
                while (it.isValid()) {
                    byte[] prefix = KeyIndexEntry.prefixOf(it.key());
                    if (endPrefix != null && Keys.compare(prefix, endPrefix) >= 0) {
                        break;
                    }
                    KeyValue kv = liveAt(it, prefix, rev, kvs.size() < want);
                    if (kv != null) {
                        count++;
                        if (kvs.size() < want) {
                            kvs.add(kv);
                        }
                    }
                    it.seek(KeyIndexEntry.pastEnd(prefix));
                }
            }
            ReadSource.finish(it, Column.KEY_INDEX);
        }
        return new Scan(kvs, count);
    }

    /**
     * Positions {@code it} on the key's last entry at or below {@code rev}; if that is a put, returns it (read from
     * HISTORY when {@code load}, else a placeholder that only counts). Null if the key was absent or deleted.
     */
    private KeyValue liveAt(RocksIterator it, byte[] prefix, long rev, boolean load) {
        it.seekForPrev(KeyIndexEntry.key(prefix, rev, Long.MAX_VALUE));
        if (!it.isValid()) {
            return null;
        }
        byte[] entry = it.key();
        if (!KeyIndexEntry.hasPrefix(entry, prefix) || KeyIndexEntry.isTombstone(entry, it.value())) {
            return null;
        }
        return load ? history(entry) : COUNTED;
    }

    private static final KeyValue COUNTED = KeyValue.tombstone(KeyValue.EMPTY, 0);

    /** The HISTORY record a KEY_INDEX entry points to; both must agree, or the store is corrupt. */
    private KeyValue history(byte[] entry) {
        long main = KeyIndexEntry.main(entry);
        long sub = KeyIndexEntry.sub(entry);
        byte[] revisionKey = RevisionKey.of(main, sub);
        byte[] v = reads.get(Column.HISTORY, revisionKey);
        byte[] key = KeyIndexEntry.userKey(entry);
        if (v == null) {
            throw Checksum.corrupt(Column.HISTORY, RevisionKey.describe(revisionKey),
                    "missing, but the key index has key " + Keys.printable(key) + " there");
        }
        HistoryRecord r = HistoryRecord.decode(revisionKey, v);
        if (r.tombstone() || !Arrays.equals(r.kv().key(), key)) {
            throw Checksum.corrupt(Column.HISTORY, RevisionKey.describe(revisionKey),
                    "holds " + (r.tombstone() ? "a tombstone" : "a put") + " of " + Keys.printable(r.kv().key())
                            + ", but the key index has a put of " + Keys.printable(key) + " there");
        }
        return r.kv();
    }
}
