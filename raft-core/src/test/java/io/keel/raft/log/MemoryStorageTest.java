package io.keel.raft.log;

import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.HardState;
import io.keel.raft.proto.SnapshotMetadata;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.keel.raft.log.LogTestSupport.entries;
import static io.keel.raft.log.LogTestSupport.entry;
import static io.keel.raft.log.LogTestSupport.indexes;
import static io.keel.raft.log.LogTestSupport.snapshot;
import static io.keel.raft.log.LogTestSupport.terms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryStorageTest {

    /** Entries 1..n with the given terms. */
    private static MemoryStorage storage(long... terms) {
        MemoryStorage s = new MemoryStorage();
        s.append(entries(1, terms));
        return s;
    }

    @Test
    void anEmptyStorageHoldsNoEntriesAndDefaultState() {
        MemoryStorage s = new MemoryStorage();
        assertEquals(1, s.firstIndex());
        assertEquals(0, s.lastIndex());
        assertEquals(0, s.term(0));
        assertEquals(ConfState.getDefaultInstance(), s.initialState().confState());
        assertEquals(HardState.getDefaultInstance(), s.initialState().hardState());
        assertEquals(0, s.snapshotMetadata().getIndex());
        assertTrue(s.entries(1, 1, 100).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> s.term(1));
    }

    @Test
    void bootstrapWritesACommittedConfigurationEntry() throws Exception {
        MemoryStorage s = MemoryStorage.bootstrap(3, 1, 2);
        assertEquals(1, s.firstIndex());
        assertEquals(1, s.lastIndex());
        Entry first = s.entries(1, 2, Long.MAX_VALUE).get(0);
        assertEquals(Bootstrap.initialEntry(3, 1, 2), first);
        assertEquals(1, first.getIndex());
        assertEquals(1, first.getTerm());
        assertEquals(io.keel.raft.proto.EntryType.ENTRY_CONF_CHANGE, first.getType());
        io.keel.raft.proto.ConfChange cc = io.keel.raft.proto.ConfChange.parseFrom(first.getData());
        assertEquals(List.of(3L, 1L, 2L), cc.getChangesList().stream()
                .map(io.keel.raft.proto.ConfChangeSingle::getMemberId).toList());
        assertTrue(cc.getChangesList().stream()
                .allMatch(c -> c.getType() == io.keel.raft.proto.ConfChangeType.ADD_VOTER));
        HardState hs = s.initialState().hardState();
        assertEquals(1, hs.getTerm());
        assertEquals(1, hs.getCommit());
        assertEquals(0, hs.getVote());
        // Every initial member writes the same entry.
        assertEquals(MemoryStorage.bootstrap(3, 1, 2).entries(1, 2, 0), s.entries(1, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.initialEntry());
    }

    @Test
    void theHardStateWrittenIsTheHardStateRead() {
        MemoryStorage s = new MemoryStorage();
        HardState hs = HardState.newBuilder().setTerm(4).setVote(2).setCommit(9).build();
        s.setHardState(hs);
        assertEquals(hs, s.hardState());
        assertEquals(hs, s.initialState().hardState());
    }

    @Test
    void appendedEntriesAreReadBackWithTheirTerms() {
        MemoryStorage s = storage(1, 1, 2);
        assertEquals(1, s.firstIndex());
        assertEquals(3, s.lastIndex());
        assertEquals(1, s.term(1));
        assertEquals(2, s.term(3));
        assertEquals(List.of(1L, 2L, 3L), indexes(s.entries(1, 4, Long.MAX_VALUE)));
        assertEquals(List.of(2L), indexes(s.entries(2, 3, Long.MAX_VALUE)));
        s.append(entries(4, 2, 3));
        assertEquals(5, s.lastIndex());
        assertEquals(3, s.term(5));
    }

    @Test
    void appendingNothingChangesNothing() {
        MemoryStorage s = storage(1, 1);
        s.append(List.of());
        assertEquals(2, s.lastIndex());
    }

    @Test
    void anAppendReplacesTheConflictingSuffix() {
        MemoryStorage s = storage(1, 1, 1, 1, 1);
        s.append(entries(3, 2, 2));
        assertEquals(4, s.lastIndex(), "entry 5 of the old suffix is gone");
        assertEquals(List.of(1L, 1L, 2L, 2L), terms(s.entries(1, 5, Long.MAX_VALUE)));
        assertThrows(IllegalArgumentException.class, () -> s.term(5));
    }

    @Test
    void anAppendMayReplaceTheWholeLogFromItsFirstIndex() {
        MemoryStorage s = storage(1, 1, 1);
        s.append(entries(1, 3));
        assertEquals(1, s.lastIndex());
        assertEquals(3, s.term(1));
    }

    @Test
    void anAppendLeavingAGapIsRefused() {
        MemoryStorage s = storage(1, 1);
        assertThrows(IllegalStateException.class, () -> s.append(entries(4, 1)));
        assertEquals(2, s.lastIndex());
    }

    @Test
    void anAppendAtOrBelowTheSnapshotIsRefused() {
        MemoryStorage s = storage(1, 1, 1, 1);
        s.compact(3, ConfState.getDefaultInstance());
        assertThrows(IllegalStateException.class, () -> s.append(entries(3, 2)));
        assertThrows(IllegalStateException.class, () -> s.append(entries(2, 2, 2, 2)));
        s.append(entries(4, 2)); // right after the snapshot is fine
        assertEquals(2, s.term(4));
    }

    @Test
    void compactionDiscardsThePrefixAndKeepsTheSnapshotsTermAndConfiguration() {
        MemoryStorage s = storage(1, 1, 2, 2, 3);
        ConfState cs = ConfState.newBuilder().addVoters(1).addVoters(2).build();
        s.compact(3, cs);
        assertEquals(4, s.firstIndex());
        assertEquals(5, s.lastIndex());
        assertEquals(2, s.term(3), "the snapshot's own index keeps its term");
        assertEquals(3, s.snapshotMetadata().getIndex());
        assertEquals(2, s.snapshotMetadata().getTerm());
        assertEquals(cs, s.snapshotMetadata().getConfState());
        assertEquals(cs, s.initialState().confState());
        assertEquals(List.of(4L, 5L), indexes(s.entries(4, 6, Long.MAX_VALUE)));
        assertEquals(List.of(2L, 3L), terms(s.entries(4, 6, Long.MAX_VALUE)));
        CompactedException e = assertThrows(CompactedException.class, () -> s.term(2));
        assertTrue(e.getMessage().contains("2"), e.getMessage());
        assertThrows(CompactedException.class, () -> s.entries(3, 5, Long.MAX_VALUE));
        assertThrows(CompactedException.class, () -> s.entries(1, 5, Long.MAX_VALUE));
    }

    @Test
    void compactingEverythingKeepsTheLastTermForTheNextAppend() {
        MemoryStorage s = storage(1, 2, 3);
        s.compact(3, ConfState.getDefaultInstance());
        assertEquals(4, s.firstIndex());
        assertEquals(3, s.lastIndex());
        assertEquals(3, s.term(3));
        s.append(entries(4, 3));
        assertEquals(4, s.lastIndex());
    }

    @Test
    void compactingAgainOrLowerChangesNothingAndBeyondTheLastEntryIsRefused() {
        MemoryStorage s = storage(1, 1, 2, 2);
        s.compact(2, ConfState.getDefaultInstance());
        s.compact(2, ConfState.getDefaultInstance());
        s.compact(1, ConfState.getDefaultInstance());
        assertEquals(3, s.firstIndex());
        assertEquals(4, s.lastIndex());
        assertThrows(IllegalArgumentException.class, () -> s.compact(5, ConfState.getDefaultInstance()));
        assertEquals(4, s.lastIndex());
        s.compact(3, ConfState.getDefaultInstance());
        assertEquals(4, s.firstIndex());
        assertEquals(2, s.term(4));
    }

    @Test
    void entriesStopAtTheByteLimitIncludingAnEntryEndingExactlyAtIt() {
        MemoryStorage s = new MemoryStorage();
        s.append(List.of(entry(1, 1, 10), entry(2, 1, 10), entry(3, 1, 10), entry(4, 1, 10)));
        assertEquals(List.of(1L, 2L, 3L, 4L), indexes(s.entries(1, 5, Long.MAX_VALUE)));
        assertEquals(List.of(1L, 2L), indexes(s.entries(1, 5, 20)), "exactly at the limit is included");
        assertEquals(List.of(1L, 2L), indexes(s.entries(1, 5, 29)));
        assertEquals(List.of(1L, 2L, 3L), indexes(s.entries(1, 5, 30)));
        assertEquals(List.of(2L), indexes(s.entries(2, 5, 15)));
    }

    @Test
    void aReadReturnsAtLeastOneEntryWhateverTheByteLimit() {
        MemoryStorage s = new MemoryStorage();
        s.append(List.of(entry(1, 1, 100), entry(2, 1, 1)));
        assertEquals(List.of(1L), indexes(s.entries(1, 3, 0)));
        assertEquals(List.of(1L), indexes(s.entries(1, 3, 5)));
        assertEquals(List.of(2L), indexes(s.entries(2, 3, 0)));
    }

    @Test
    void aReadBeyondTheLastEntryIsRefused() {
        MemoryStorage s = storage(1, 1);
        assertThrows(IllegalArgumentException.class, () -> s.entries(1, 4, Long.MAX_VALUE));
        assertEquals(2, s.entries(1, 3, Long.MAX_VALUE).size());
    }

    @Test
    void aSnapshotKeepsTheEntriesAfterItWhenTheLogAgreesWithIt() {
        MemoryStorage s = storage(1, 1, 2, 2, 2);
        s.applySnapshot(snapshot(3, 2, 1, 2));
        assertEquals(4, s.firstIndex());
        assertEquals(5, s.lastIndex());
        assertEquals(List.of(2L, 2L), terms(s.entries(4, 6, Long.MAX_VALUE)));
        assertEquals(2, s.term(3));
        assertEquals(List.of(1L, 2L), s.initialState().confState().getVotersList());
    }

    @Test
    void aSnapshotDiscardsALogThatDisagreesWithIt() {
        MemoryStorage s = storage(1, 1, 2, 2, 2);
        s.applySnapshot(snapshot(3, 3, 1));
        assertEquals(4, s.firstIndex());
        assertEquals(3, s.lastIndex(), "the log restarts right after the snapshot");
        assertEquals(3, s.term(3));
        assertThrows(IllegalArgumentException.class, () -> s.term(4));
    }

    @Test
    void aSnapshotBeyondTheLogReplacesItWhole() {
        MemoryStorage s = storage(1, 1);
        s.applySnapshot(snapshot(10, 4, 1));
        assertEquals(11, s.firstIndex());
        assertEquals(10, s.lastIndex());
        assertEquals(4, s.term(10));
        s.append(entries(11, 4));
        assertEquals(11, s.lastIndex());
    }

    @Test
    void aSnapshotOfTheLastEntryLeavesNoEntriesAfterIt() {
        MemoryStorage s = storage(1, 1, 2);
        s.applySnapshot(snapshot(3, 2, 1));
        assertEquals(4, s.firstIndex());
        assertEquals(3, s.lastIndex());
    }

    @Test
    void aSnapshotNotNewerThanTheStoredOneIsIgnored() {
        MemoryStorage s = storage(1, 1, 2, 2);
        s.compact(3, ConfState.getDefaultInstance());
        SnapshotMetadata before = s.snapshotMetadata();
        s.applySnapshot(snapshot(2, 1, 1));
        s.applySnapshot(snapshot(3, 2, 1));
        assertEquals(before, s.snapshotMetadata());
        assertEquals(4, s.lastIndex());
        assertEquals(4, s.firstIndex());
    }

    @Test
    void theCompactedErrorNamesTheAskedAndTheFirstAvailableIndex() {
        CompactedException e = new CompactedException(3, 10);
        assertTrue(e.getMessage().contains("3"), e.getMessage());
        assertTrue(e.getMessage().contains("10"), e.getMessage());
    }

    @Test
    void entrySizesCountOnlyThePayload() {
        Entry e = entry(1, 1, 7);
        assertEquals(7, EntrySizes.payload(e));
        assertEquals(7 + 3 + 0, EntrySizes.payload(List.of(e, entry(2, 1, 3), entry(3, 1))));
    }
}
