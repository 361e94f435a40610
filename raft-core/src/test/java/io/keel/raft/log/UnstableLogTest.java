package io.keel.raft.log;

import io.keel.raft.proto.Entry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.keel.raft.log.LogTestSupport.entries;
import static io.keel.raft.log.LogTestSupport.indexes;
import static io.keel.raft.log.LogTestSupport.snapshot;
import static io.keel.raft.log.LogTestSupport.terms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The unstable tail directly: the write hand-off protocol, without storage. */
class UnstableLogTest {

    private static long lastOf(List<Entry> write) {
        return write.get(write.size() - 1).getIndex();
    }

    @Test
    void anEmptyTailKnowsNoEntryTermOrSnapshot() {
        UnstableLog u = new UnstableLog(5);
        assertEquals(5, u.offset());
        assertFalse(u.hasEntries());
        assertEquals(-1, u.maybeFirstIndex());
        assertEquals(-1, u.maybeLastIndex());
        assertEquals(-1, u.maybeTerm(4));
        assertEquals(-1, u.maybeTerm(5));
        assertTrue(u.entriesToPersist().isEmpty());
        assertNull(u.snapshotToPersist());
    }

    @Test
    void appendedEntriesAreHandedOutOnceAndLeaveWhenDurable() {
        UnstableLog u = new UnstableLog(1);
        u.truncateAndAppend(entries(1, 1, 1));
        assertEquals(2, u.maybeLastIndex());
        assertEquals(1, u.maybeTerm(2));
        assertEquals(List.of(1L, 2L), indexes(u.entriesToPersist()));
        u.acceptInProgress();
        u.truncateAndAppend(entries(3, 2));
        assertEquals(List.of(3L), indexes(u.entriesToPersist()));
        u.acceptInProgress();
        u.stableTo(2, 1);
        assertEquals(3, u.offset());
        assertEquals(List.of(3L), indexes(u.slice(3, 4)));
        u.stableTo(3, 2);
        assertEquals(4, u.offset());
        assertFalse(u.hasEntries());
    }

    @Test
    void aCompletionForEntriesNeverHandedOutForWritingIsIgnored() {
        UnstableLog u = new UnstableLog(1);
        u.truncateAndAppend(entries(1, 1, 1));
        u.stableTo(2, 1); // not accepted for writing yet
        assertEquals(1, u.offset());
        assertEquals(List.of(1L, 2L), indexes(u.entriesToPersist()));
    }

    @Test
    void replacingEntriesInFlightHandsTheReplacementOut() {
        UnstableLog u = new UnstableLog(1);
        u.truncateAndAppend(entries(1, 1, 1, 1));
        u.acceptInProgress();
        u.truncateAndAppend(entries(2, 2));
        assertEquals(List.of(2L), indexes(u.entriesToPersist()));
        assertEquals(List.of(2L), terms(u.entriesToPersist()));
        // The old write completes: its last entry (3, 1) is gone.
        u.stableTo(3, 1);
        assertEquals(1, u.offset());
        u.acceptInProgress();
        u.stableTo(2, 2);
        assertEquals(3, u.offset());
    }

    @Test
    void oldWriteCompletionIgnoredAfterOverwriteEvenIfTermMatchesAgain() {
        UnstableLog u = new UnstableLog(1);
        u.truncateAndAppend(entries(1, 1, 1));   // W1 = 1@1, 2@1
        u.acceptInProgress();
        u.truncateAndAppend(entries(2, 2));      // W2 = 2@2
        u.acceptInProgress();
        u.truncateAndAppend(entries(2, 1));      // W3 = 2@1 again (a later leader holding the original)
        u.acceptInProgress();
        u.stableTo(2, 1); // W1
        assertEquals(1, u.offset(), "W2 may still overwrite entry 2 on disk");
        u.stableTo(2, 2); // W2
        assertEquals(1, u.offset());
        assertEquals(1, u.maybeTerm(2));
        u.stableTo(2, 1); // W3
        assertEquals(3, u.offset());
    }

    @Test
    void replacementOfEntriesNotYetHandedOutDoesNotInvalidateWritesInFlight() {
        UnstableLog u = new UnstableLog(1);
        u.truncateAndAppend(entries(1, 1, 1));  // W1 = 1, 2
        u.acceptInProgress();
        u.truncateAndAppend(entries(3, 1, 1));  // 3, 4 not handed out
        u.truncateAndAppend(entries(4, 2));     // replaces 4 before it was handed out
        u.stableTo(2, 1);
        assertEquals(3, u.offset(), "W1 wrote nothing that was replaced");
        assertEquals(List.of(3L, 4L), indexes(u.entriesToPersist()));
    }

    @Test
    void coalescedCompletionCoversEarlierWrites() {
        UnstableLog u = new UnstableLog(1);
        u.truncateAndAppend(entries(1, 1));
        u.acceptInProgress();
        u.truncateAndAppend(entries(2, 1));
        u.acceptInProgress();
        u.truncateAndAppend(entries(3, 1));
        u.acceptInProgress();
        u.stableTo(3, 1); // only the last write is reported: writes complete in order
        assertEquals(4, u.offset());
        assertFalse(u.hasEntries());
    }

    @Test
    void restoreInvalidatesWritesInFlight() {
        UnstableLog u = new UnstableLog(1);
        u.truncateAndAppend(entries(1, 1, 1, 1));
        u.acceptInProgress();
        u.restore(snapshot(2, 1, 1));
        assertEquals(3, u.offset());
        assertEquals(3, u.maybeFirstIndex());
        assertEquals(2, u.maybeLastIndex());
        assertEquals(1, u.maybeTerm(2));
        assertEquals(snapshot(2, 1, 1), u.snapshotToPersist());
        u.truncateAndAppend(entries(3, 1));
        u.acceptInProgress();
        assertNull(u.snapshotToPersist());
        u.stableTo(3, 1); // the pre-snapshot write of 1..3 completes
        assertEquals(3, u.offset(), "a write handed out before the snapshot proves nothing after it");
        u.stableSnapshotTo(2);
        assertNull(u.snapshot());
        u.stableTo(3, 1); // the write after the snapshot
        assertEquals(4, u.offset());
    }

    @Test
    void theCompletionOfAnotherSnapshotsWriteLeavesThisOneBeingWritten() {
        UnstableLog u = new UnstableLog(1);
        u.restore(snapshot(7, 2, 1));
        u.acceptInProgress();
        u.stableSnapshotTo(6);
        assertEquals(7, u.snapshot().getIndex());
        assertNull(u.snapshotToPersist(), "still being written");
    }

    @Test
    void batchedWritesCompletingInOrderEachMoveTheOffset() {
        UnstableLog u = new UnstableLog(1);
        long term = 1;
        long next = 1;
        java.util.ArrayDeque<List<Entry>> inFlight = new java.util.ArrayDeque<>();
        for (int i = 0; i < 20; i++) {
            u.truncateAndAppend(entries(next, term, term));
            next += 2;
            inFlight.add(u.entriesToPersist());
            u.acceptInProgress();
            if (i % 3 == 2) {
                while (!inFlight.isEmpty()) {
                    List<Entry> w = inFlight.poll();
                    u.stableTo(lastOf(w), term);
                    assertEquals(lastOf(w) + 1, u.offset());
                }
            }
        }
    }
}
