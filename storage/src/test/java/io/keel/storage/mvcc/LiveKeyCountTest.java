package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.storage.failure.StorageFailedException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The number of live keys (etcd's keys_total) is recorded in META with every batch, so opening a store reads it
 * instead of scanning CURRENT; a store from the release before (format 1, no count) is counted once and upgraded by
 * its next write; a format this build does not know is refused with what to do.
 */
class LiveKeyCountTest {
    @TempDir
    Path dir;

    @Test
    void theCountOpeningAStoreReportsIsTheOneMetaRecords() throws Exception {
        try (StoreDriver s = new StoreDriver(dir)) {
            s.put("a", "1");
            s.put("b", "1");
            s.put("c", "1");
            s.put("a", "2");
            s.delete("b");
            long lease = s.grant(5, 60);
            s.put("l", "1", lease);
            s.revoke(lease);
        }
        try (RawRocks raw = new RawRocks(dir)) {
            assertEquals(2, StoreState.decode(raw.get(Column.META, StoreState.KEY)).liveKeys(), "a and c");
        }
        // A record slipped into CURRENT behind the store's back is not counted: opening does not scan.
        try (RawRocks raw = new RawRocks(dir)) {
            raw.put(Column.CURRENT, b("planted"), b("not a record"));
        }
        StoreCounters counters = new StoreCounters();
        try (MvccStore store = MvccStore.open(dir, MvccOptions.defaults().withCounters(counters))) {
            assertEquals(2, counters.liveKeys());
        }
    }

    @Test
    void aStoreFromTheReleaseBeforeIsCountedOnceAndItsNextWriteRecordsTheCount() throws Exception {
        try (StoreDriver s = new StoreDriver(dir)) {
            s.applyAll(List.of(PutRequest.of(b("a"), b("1")), PutRequest.of(b("b"), b("1")),
                    PutRequest.of(b("c"), b("1"))));
        }
        StoreState written;
        try (RawRocks raw = new RawRocks(dir)) {
            written = StoreState.decode(raw.get(Column.META, StoreState.KEY));
            raw.put(Column.META, StoreState.KEY, formatOne(written));
        }
        StoreCounters counters = new StoreCounters();
        try (StoreDriver s = new StoreDriver(dir, MvccOptions.defaults().withCounters(counters))) {
            assertEquals(written.appliedIndex(), s.store.appliedIndex());
            assertEquals(written.revision(), s.store.revision());
            assertEquals(3, counters.liveKeys(), "counted from CURRENT");
            assertEquals(3, s.all().size());
            s.put("d", "1");
        }
        try (RawRocks raw = new RawRocks(dir)) {
            byte[] meta = raw.get(Column.META, StoreState.KEY);
            assertEquals(StoreState.FORMAT, Layout.getInt(meta, 4), "the next write records the current format");
            assertEquals(4, StoreState.decode(meta).liveKeys());
        }
    }

    @Test
    void aFormatThisBuildDoesNotKnowIsRefusedAndTheStoreIsLeftAsItWas() throws Exception {
        try (StoreDriver s = new StoreDriver(dir)) {
            s.put("a", "1");
        }
        byte[] future = new byte[Checksum.SIZE + 4 + 40];
        Layout.putInt(future, 4, StoreState.FORMAT + 1);
        Checksum.seal(StoreState.KEY, future);
        try (RawRocks raw = new RawRocks(dir)) {
            raw.put(Column.META, StoreState.KEY, future);
        }
        StorageFailedException e = assertThrows(StorageFailedException.class, () -> MvccStore.open(dir));
        assertTrue(e.getMessage().contains("store format " + (StoreState.FORMAT + 1) + " is not supported")
                && e.getMessage().contains("run the release that wrote it"), e.getMessage());
        try (RawRocks raw = new RawRocks(dir)) {
            assertEquals(List.of(1, 0), List.of(raw.keys(Column.CURRENT).size(),
                    java.util.Arrays.compare(future, raw.get(Column.META, StoreState.KEY))), "nothing changed");
        }
    }

    /** The META record as the release before wrote it: crc32c | format 1 | applied | revision | compacted. */
    private static byte[] formatOne(StoreState s) {
        byte[] b = new byte[Checksum.SIZE + 4 + 24];
        Layout.putInt(b, 4, StoreState.FORMAT_WITHOUT_LIVE_KEYS);
        Layout.putLong(b, 8, s.appliedIndex());
        Layout.putLong(b, 16, s.revision());
        Layout.putLong(b, 24, s.compactRevision());
        Checksum.seal(StoreState.KEY, b);
        return b;
    }
}
