package io.keel.storage.mvcc.read;

import io.keel.storage.mvcc.api.ChangeBatch;
import io.keel.storage.mvcc.api.Event;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.RevisionCompactedException;
import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.layout.HistoryRecord;
import io.keel.storage.mvcc.layout.ReadSource;
import io.keel.storage.mvcc.layout.RevisionKey;
import io.keel.storage.mvcc.layout.StoreState;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.RocksIterator;

/**
 * Changes from a revision on, read from HISTORY in revision order at one snapshot: what a watch replays to catch
 * up. Stops only between revisions, so a client never sees half of a transaction.
 */
public final class ChangeFeed {
    private ChangeFeed() {}

    public static ChangeBatch read(SnapshotReads reads, long fromRevision, KeyRange range, boolean withPrevKv,
                            int maxEvents) {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents must be at least 1, was " + maxEvents);
        }
        StoreState state = reads.state();
        long from = fromRevision <= 0 ? state.revision() + 1 : fromRevision;
        if (from < state.compactRevision()) {
            throw new RevisionCompactedException(state.compactRevision());
        }
        RevisionReader reader = new RevisionReader(reads, state.revision(), state.compactRevision());
        List<Event> events = new ArrayList<>();
        long next = Math.max(from, state.revision() + 1);
        try (RocksIterator it = reads.iterator(Column.HISTORY)) {
            long lastRevision = -1;
            for (it.seek(RevisionKey.of(from, 0)); it.isValid(); it.next()) {
                byte[] revisionKey = it.key();
                long main = RevisionKey.main(revisionKey);
                if (main != lastRevision && events.size() >= maxEvents) {
                    next = main;
                    break;
                }
                lastRevision = main;
                HistoryRecord r = HistoryRecord.decode(revisionKey, it.value());
                if (!range.contains(r.kv().key())) {
                    continue;
                }
                KeyValue prev = withPrevKv ? previous(reader, r.kv().key(), main) : null;
                events.add(new Event(r.tombstone() ? Event.Type.DELETE : Event.Type.PUT, r.kv(), prev));
            }
            ReadSource.finish(it, Column.HISTORY);
        }
        return new ChangeBatch(events, next, state.revision());
    }

    /** The key's version just before {@code revision}; like etcd's watch, none if that was compacted away. */
    private static KeyValue previous(RevisionReader reader, byte[] key, long revision) {
        long before = revision - 1;
        if (before < 1 || before < reader.compactRevision()) {
            return null;
        }
        return reader.at(key, before);
    }
}
