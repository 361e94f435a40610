package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.layout.LiveKeyCount;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The number of live keys (etcd's keys_total) is recorded in META with every batch, so opening a store reads it
 * instead of scanning CURRENT. A store without the record (the release before), or whose record is stale (a release
 * that does not know it applied entries since), is counted at open, and its next write records the count again.
 */
class LiveKeyCountTest {
    @TempDir
    Path dir;

    @Test
    void theCountOpeningAStoreReportsIsTheOneMetaRecords() throws Exception {
        long applied;
        try (StoreDriver s = new StoreDriver(dir)) {
            s.put("a", "1");
            s.put("b", "1");
            s.put("c", "1");
            s.put("a", "2");
            s.delete("b");
            long lease = s.grant(5, 60);
            s.put("l", "1", lease);
            s.revoke(lease);
            applied = s.store.appliedIndex();
        }
        try (RawRocks raw = new RawRocks(dir)) {
            assertEquals(2, LiveKeyCount.decode(raw.get(Column.META, LiveKeyCount.KEY), applied), "a and c");
            // A record slipped into CURRENT behind the store's back is not counted: opening does not scan.
            raw.put(Column.CURRENT, b("planted"), b("not a record"));
        }
        StoreCounters counters = new StoreCounters();
        try (MvccStore store = MvccStore.open(dir, MvccOptions.defaults().withCounters(counters))) {
            assertEquals(2, counters.liveKeys());
        }
    }

    @Test
    void aStoreFromTheReleaseBeforeIsCountedAtOpenAndItsNextWriteRecordsTheCount() throws Exception {
        try (StoreDriver s = new StoreDriver(dir)) {
            s.applyAll(List.of(PutRequest.of(b("a"), b("1")), PutRequest.of(b("b"), b("1")),
                    PutRequest.of(b("c"), b("1"))));
        }
        try (RawRocks raw = new RawRocks(dir)) {
            raw.delete(Column.META, LiveKeyCount.KEY); // as the release before left its stores
        }
        StoreCounters counters = new StoreCounters();
        long applied;
        try (StoreDriver s = new StoreDriver(dir, MvccOptions.defaults().withCounters(counters))) {
            assertEquals(3, counters.liveKeys(), "counted from CURRENT");
            assertEquals(3, s.all().size());
            s.put("d", "1");
            applied = s.store.appliedIndex();
        }
        try (RawRocks raw = new RawRocks(dir)) {
            assertEquals(4, LiveKeyCount.decode(raw.get(Column.META, LiveKeyCount.KEY), applied));
        }
    }

    @Test
    void aCountRecordedAtAnotherAppliedIndexIsNotTrusted() throws Exception {
        long applied;
        try (StoreDriver s = new StoreDriver(dir)) {
            s.put("a", "1");
            s.put("b", "1");
            applied = s.store.appliedIndex();
        }
        // As a downgraded member leaves it: it applied entries (here: one more key) without updating the count.
        try (RawRocks raw = new RawRocks(dir)) {
            raw.put(Column.META, LiveKeyCount.KEY, LiveKeyCount.encode(applied - 1, 1));
        }
        StoreCounters counters = new StoreCounters();
        try (MvccStore store = MvccStore.open(dir, MvccOptions.defaults().withCounters(counters))) {
            assertEquals(2, counters.liveKeys(), "counted from CURRENT, not the stale 1");
        }
    }
}
