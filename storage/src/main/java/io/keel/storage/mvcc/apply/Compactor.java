package io.keel.storage.mvcc.apply;

import io.keel.storage.mvcc.api.Keys;
import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.layout.HistoryRecord;
import io.keel.storage.mvcc.layout.KeyIndexEntry;
import io.keel.storage.mvcc.layout.ReadSource;
import io.keel.storage.mvcc.layout.RevisionKey;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.rocksdb.RocksIterator;

/**
 * Removes history below a revision, as etcd's compaction: each key keeps its last version at or below it (a
 * tombstone there goes too, with everything before it). Only keys written since the previous compaction can have
 * anything to remove, so the work is proportional to the writes since then, not to the whole store.
 */
final class Compactor {
    private final ReadSource reads;
    /** Only its raw deletes are used: compaction writes no new revision. */
    private final RevisionWriter batch;

    Compactor(ReadSource reads, RevisionWriter batch) {
        this.reads = reads;
        this.batch = batch;
    }

    /** Compacts from {@code previous} (the last compacted revision) to {@code to}; returns the versions removed. */
    int compact(long previous, long to) {
        // Collect first, delete after: changing the batch under an open batch iterator invalidates it.
        List<byte[]> doomed = new ArrayList<>();
        try (RocksIterator it = reads.iterator(Column.KEY_INDEX)) {
            for (byte[] key : keysWrittenBetween(previous, to)) {
                byte[] prefix = KeyIndexEntry.prefix(key);
                byte[] last = null;
                boolean lastIsTombstone = false;
                for (it.seek(prefix); it.isValid(); it.next()) {
                    byte[] entry = it.key();
                    if (!KeyIndexEntry.hasPrefix(entry, prefix) || KeyIndexEntry.main(entry) > to) {
                        break;
                    }
                    if (last != null) {
                        doomed.add(last);
                    }
                    last = entry;
                    lastIsTombstone = KeyIndexEntry.isTombstone(entry, it.value());
                }
                ReadSource.finish(it, Column.KEY_INDEX);
                if (last != null && lastIsTombstone) {
                    doomed.add(last);
                }
            }
        }
        for (byte[] entry : doomed) {
            batch.delete(Column.KEY_INDEX, entry);
            batch.delete(Column.HISTORY, RevisionKey.of(KeyIndexEntry.main(entry), KeyIndexEntry.sub(entry)));
        }
        return doomed.size();
    }

    private TreeSet<byte[]> keysWrittenBetween(long previous, long to) {
        TreeSet<byte[]> keys = new TreeSet<>(Keys::compare);
        try (RocksIterator it = reads.iterator(Column.HISTORY)) {
            for (it.seek(RevisionKey.of(previous + 1, 0)); it.isValid(); it.next()) {
                byte[] revisionKey = it.key();
                if (RevisionKey.main(revisionKey) > to) {
                    break;
                }
                keys.add(HistoryRecord.decode(revisionKey, it.value()).kv().key());
            }
            ReadSource.finish(it, Column.HISTORY);
        }
        return keys;
    }
}
