package io.keel.raft.log;

import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.SnapshotMetadata;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.keel.raft.log.LogTestSupport.entries;
import static io.keel.raft.log.LogTestSupport.entry;
import static io.keel.raft.log.LogTestSupport.indexes;
import static io.keel.raft.log.LogTestSupport.snapshot;
import static io.keel.raft.log.LogTestSupport.terms;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RaftLogTest {

    /** A storage holding entries 1..n with the given terms, all durable. */
    private static MemoryStorage stored(long... terms) {
        MemoryStorage s = new MemoryStorage();
        s.append(entries(1, terms));
        return s;
    }

    /** A log over durable entries 1..n with the given terms, nothing committed. */
    private static RaftLog log(long... terms) {
        return new RaftLog(stored(terms), 0, 0);
    }

    /** Plays the caller: writes what the log hands out, then reports it durable. */
    private static void persistAll(RaftLog log, MemoryStorage storage) {
        SnapshotMetadata snap = log.snapshotToPersist();
        List<Entry> toWrite = log.entriesToPersist();
        log.acceptInProgress();
        if (snap != null) {
            storage.applySnapshot(snap);
            log.stableSnapshotTo(snap.getIndex());
        }
        if (!toWrite.isEmpty()) {
            storage.append(toWrite);
            Entry last = toWrite.get(toWrite.size() - 1);
            log.stableTo(last.getIndex(), last.getTerm());
        }
    }

    // ------------------------------------------------------------------ construction

    @Test
    void anEmptyLogHoldsNothingCommittedAndNothingToWrite() {
        RaftLog log = new RaftLog(new MemoryStorage(), 0, 0);
        assertEquals(1, log.firstIndex());
        assertEquals(0, log.lastIndex());
        assertEquals(0, log.lastTerm());
        assertEquals(0, log.committed());
        assertEquals(0, log.applied());
        assertEquals(0, log.persistedIndex());
        assertTrue(log.entriesToPersist().isEmpty());
        assertNull(log.snapshotToPersist());
    }

    @Test
    void aBootstrappedLogHandsOutItsCommittedConfigurationEntry() {
        MemoryStorage s = MemoryStorage.bootstrap(1, 2, 3);
        RaftLog log = new RaftLog(s, s.initialState().hardState().getCommit(), 0);
        assertEquals(1, log.committed());
        assertEquals(1, log.lastIndex());
        assertEquals(1, log.lastTerm());
        assertEquals(List.of(Bootstrap.initialEntry(1, 2, 3)), log.nextCommittedEntries(Long.MAX_VALUE));
    }

    @Test
    void aLogOpenedOverASnapshotStartsAfterItWithEverythingInItCommittedAndApplied() {
        MemoryStorage s = stored(1, 1, 2, 2, 3);
        s.compact(3, ConfState.getDefaultInstance());
        RaftLog log = new RaftLog(s, 0, 0);
        assertEquals(3, log.committed(), "everything in the snapshot is committed");
        assertEquals(3, log.applied());
        assertEquals(3, log.applying());
        assertEquals(4, log.firstIndex());
        assertEquals(5, log.lastIndex());
    }

    @Test
    void aLogWhoseCommitOrAppliedIndexLiesBeyondItsEntriesIsRefused() {
        assertThrows(IllegalStateException.class, () -> new RaftLog(stored(1, 1), 1, 2));
        assertThrows(IllegalStateException.class, () -> new RaftLog(stored(1, 1), 3, 0),
                "committed beyond the stored log means committed entries were lost");
    }

    // ------------------------------------------------------------------ term / matchTerm

    @Test
    void termsAreKnownFromTheSnapshotIndexToTheLastEntryAndZeroBeyond() {
        MemoryStorage s = stored(1, 1, 2, 3, 3);
        s.compact(2, ConfState.getDefaultInstance());
        RaftLog log = new RaftLog(s, 0, 0);
        log.append(entries(6, 4));
        assertEquals(1, log.term(2), "the snapshot's index");
        assertEquals(2, log.term(3));
        assertEquals(4, log.term(6), "unstable");
        assertEquals(0, log.term(7), "beyond the last index");
        assertThrows(CompactedException.class, () -> log.term(1));
        assertTrue(log.matchTerm(6, 4));
        assertFalse(log.matchTerm(6, 3));
        assertFalse(log.matchTerm(7, 0), "no entry 7 even though term(7) reads 0");
        assertFalse(log.matchTerm(1, 1), "compacted: unknown");
        assertTrue(log.matchTerm(2, 1));
    }

    // ------------------------------------------------------------------ isUpToDate

    @Test
    void aLogIsUpToDateWithAHigherLastTermOrTheSameTermAndNoShorter() {
        RaftLog log = log(1, 2, 2); // last (3, 2)
        assertTrue(log.isUpToDate(3, 2), "identical");
        assertTrue(log.isUpToDate(4, 2), "same term, longer");
        assertFalse(log.isUpToDate(2, 2), "same term, shorter");
        assertTrue(log.isUpToDate(1, 3), "higher last term wins even if shorter");
        assertFalse(log.isUpToDate(10, 1), "lower last term loses even if longer");
        assertTrue(log(new long[0]).isUpToDate(0, 0));
        assertFalse(log(1).isUpToDate(0, 0));
    }

    // ------------------------------------------------------------------ maybeAppend

    @Test
    void anAppendToAnEmptyLogWritesItsEntriesAndCommits() {
        RaftLog log = new RaftLog(new MemoryStorage(), 0, 0);
        assertEquals(3, log.maybeAppend(0, 0, 2, entries(1, 1, 1, 1)));
        assertEquals(3, log.lastIndex());
        assertEquals(2, log.committed());
        assertEquals(List.of(1L, 2L, 3L), indexes(log.entriesToPersist()));
    }

    @Test
    void anAppendWhosePreviousEntryDoesNotMatchIsRejectedAndChangesNothing() {
        RaftLog log = log(1, 1, 2);
        assertEquals(-1, log.maybeAppend(3, 1, 3, entries(4, 2)), "wrong term at prev");
        assertEquals(-1, log.maybeAppend(4, 2, 3, entries(5, 2)), "prev beyond the log");
        assertEquals(3, log.lastIndex());
        assertEquals(0, log.committed(), "a rejected append commits nothing");
        assertTrue(log.entriesToPersist().isEmpty());
    }

    @Test
    void aLateDuplicateAppendKeepsTheEntriesAfterItAndCommitsOnlyWhatItVouchesFor() {
        RaftLog log = log(1, 1, 1, 1, 1);
        // A late, duplicated append of entries the log already has.
        assertEquals(3, log.maybeAppend(1, 1, 5, entries(2, 1, 1)));
        assertEquals(5, log.lastIndex(), "entries after a matching append must not be truncated");
        // Commit is capped at the last entry the append vouched for, not at the log's end.
        assertEquals(3, log.committed());
        assertTrue(log.entriesToPersist().isEmpty(), "nothing new to write");
    }

    @Test
    void anEmptyMatchingAppendMovesTheCommitIndexUpToItsPreviousEntry() {
        RaftLog log = log(1, 1, 1);
        assertEquals(2, log.maybeAppend(2, 1, 3, List.of()));
        assertEquals(2, log.committed());
    }

    @Test
    void anAppendAfterAMatchingEntryWritesOnlyItsEntries() {
        RaftLog log = log(1, 1);
        assertEquals(4, log.maybeAppend(2, 1, 0, entries(3, 2, 2)));
        assertEquals(4, log.lastIndex());
        assertEquals(2, log.term(4));
        assertEquals(List.of(3L, 4L), indexes(log.entriesToPersist()));
    }

    @Test
    void anAppendPartlyHeldAlreadyWritesOnlyTheNewPart() {
        RaftLog log = log(1, 1, 2);
        assertEquals(5, log.maybeAppend(1, 1, 0, entries(2, 1, 2, 2, 2)));
        assertEquals(5, log.lastIndex());
        assertEquals(List.of(4L, 5L), indexes(log.entriesToPersist()), "only the new part is written");
    }

    @Test
    void aConflictingAppendReplacesTheUncommittedSuffixAndWritesTheReplacement() {
        RaftLog log = log(1, 1, 1, 1, 1);
        log.commitTo(2);
        assertEquals(4, log.maybeAppend(2, 1, 2, entries(3, 2, 2)));
        assertEquals(4, log.lastIndex(), "the old entry 5 is gone");
        assertEquals(List.of(1L, 1L, 2L, 2L), terms(log.slice(1, 5, Long.MAX_VALUE)));
        assertEquals(0, log.term(5));
        assertEquals(List.of(3L, 4L), indexes(log.entriesToPersist()));
        assertEquals(2, log.persistedIndex(), "the stored 3..5 are stale now");
    }

    @Test
    void aConflictWithEntriesNotYetWrittenReplacesThemBeforeTheyAreWritten() {
        RaftLog log = log(1);
        log.append(entries(2, 1, 1, 1));
        assertEquals(3, log.maybeAppend(2, 1, 0, entries(3, 3)));
        assertEquals(3, log.lastIndex());
        assertEquals(3, log.term(3));
        assertEquals(List.of(2L, 3L), indexes(log.entriesToPersist()));
        assertEquals(List.of(1L, 3L), terms(log.entriesToPersist()));
    }

    @Test
    void anAppendThatWouldReplaceACommittedEntryFailsAndTheEntryStays() {
        RaftLog log = log(1, 1, 1, 1);
        log.commitTo(3);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> log.maybeAppend(1, 1, 3, entries(2, 2, 2)));
        assertTrue(e.getMessage().contains("committed"), e.getMessage());
        assertEquals(1, log.term(2), "the committed entry is still there");
        assertEquals(4, log.lastIndex());
    }

    @Test
    void anAppendMayReplaceTheFirstEntryAfterTheCommitIndex() {
        RaftLog log = log(1, 1, 1, 1);
        log.commitTo(2);
        assertEquals(3, log.maybeAppend(2, 1, 2, entries(3, 5)));
        assertEquals(5, log.term(3));
    }

    @Test
    void theLeadersOwnAppendNeverReplacesACommittedEntry() {
        RaftLog log = log(1, 1, 1);
        log.commitTo(2);
        assertThrows(IllegalStateException.class, () -> log.append(entries(2, 2)));
        log.append(entries(3, 2));
        assertEquals(2, log.term(3));
        log.append(List.of()); // no-op
        assertEquals(3, log.lastIndex());
    }

    // ------------------------------------------------------------------ findConflictByTerm

    @Test
    void aRejectionHintSkipsAWholeConflictingTerm() {
        RaftLog log = log(1, 1, 2, 2, 5, 5); // indexes 1..6
        assertArrayEquals(new long[] {6, 5}, log.findConflictByTerm(6, 5));
        assertArrayEquals(new long[] {6, 5}, log.findConflictByTerm(6, 7));
        assertArrayEquals(new long[] {4, 2}, log.findConflictByTerm(6, 4), "skips the whole term 5");
        assertArrayEquals(new long[] {4, 2}, log.findConflictByTerm(6, 2));
        assertArrayEquals(new long[] {2, 1}, log.findConflictByTerm(6, 1));
        assertArrayEquals(new long[] {0, 0}, log.findConflictByTerm(6, 0));
        assertArrayEquals(new long[] {3, 2}, log.findConflictByTerm(3, 3), "starts at the given index");
        assertArrayEquals(new long[] {6, 5}, log.findConflictByTerm(100, 5), "capped at the last index");
        assertArrayEquals(new long[] {0, 0}, log.findConflictByTerm(0, 3));
    }

    @Test
    void theRejectionHintStopsAtTheSnapshotBelowWhichTermsAreUnknown() {
        MemoryStorage s = stored(1, 2, 3, 4, 5);
        s.compact(3, ConfState.getDefaultInstance());
        RaftLog log = new RaftLog(s, 0, 0);
        assertArrayEquals(new long[] {3, 3}, log.findConflictByTerm(5, 3), "the snapshot's term is known");
        // Below the snapshot nothing is known: the term comes back as 0 (unknown).
        assertArrayEquals(new long[] {2, 0}, log.findConflictByTerm(5, 1));
    }

    // ------------------------------------------------------------------ commit

    @Test
    void theCommitIndexNeverGoesBackNorBeyondTheLastIndex() {
        RaftLog log = log(1, 1, 1);
        log.commitTo(2);
        assertEquals(2, log.committed());
        log.commitTo(1); // never goes back
        assertEquals(2, log.committed());
        assertThrows(IllegalStateException.class, () -> log.commitTo(4));
        assertEquals(2, log.committed());
    }

    @Test
    void anEntryOfAnEarlierTermCommitsOnlyWithAnEntryOfTheLeadersTerm() {
        // Figure 3.7: a leader of term 4 finds entry 2 of term 2 on a majority. It must not commit it by counting.
        RaftLog log = log(1, 2);
        assertFalse(log.maybeCommit(2, 4));
        assertEquals(0, log.committed());
        assertFalse(log.maybeCommit(1, 4));
        assertEquals(0, log.committed());
        // Once an entry of term 4 is on a majority, it commits, and entry 2 with it.
        log.append(entries(3, 4));
        assertTrue(log.maybeCommit(3, 4));
        assertEquals(3, log.committed());
        assertFalse(log.maybeCommit(3, 4), "already committed");
        assertFalse(log.maybeCommit(2, 4));
        assertEquals(3, log.committed());
    }

    @Test
    void aQuorumIndexBeyondTheLogCommitsNothing() {
        RaftLog log = log(1);
        assertFalse(log.maybeCommit(5, 1));
        assertEquals(0, log.committed());
    }

    // ------------------------------------------------------------------ slices

    @Test
    void aSliceReadsAcrossStoredAndUnwrittenEntriesWithinTheByteLimit() {
        RaftLog log = new RaftLog(new MemoryStorage(), 0, 0);
        MemoryStorage s = new MemoryStorage();
        log = new RaftLog(s, 0, 0);
        s.append(List.of(entry(1, 1, 10), entry(2, 1, 10)));
        log = new RaftLog(s, 0, 0);
        log.append(List.of(entry(3, 1, 10), entry(4, 1, 10)));
        assertEquals(List.of(1L, 2L, 3L, 4L), indexes(log.slice(1, 5, Long.MAX_VALUE)));
        assertEquals(List.of(2L, 3L), indexes(log.slice(2, 4, Long.MAX_VALUE)));
        assertEquals(List.of(1L), indexes(log.slice(1, 5, 15)), "stops inside the stored part");
        assertEquals(List.of(1L, 2L), indexes(log.slice(1, 5, 20)));
        assertEquals(List.of(1L, 2L, 3L), indexes(log.slice(1, 5, 30)), "limit counts stored bytes too");
        assertEquals(List.of(3L), indexes(log.slice(3, 5, 0)), "at least one");
        assertEquals(List.of(1L), indexes(log.slice(1, 5, 0)), "at least one");
        assertEquals(List.of(4L), indexes(log.entriesFrom(4, 0)));
        assertTrue(log.entriesFrom(5, 100).isEmpty());
    }

    @Test
    void readingEntriesCompactedIntoTheSnapshotFails() {
        MemoryStorage s = stored(1, 1, 1);
        s.compact(2, ConfState.getDefaultInstance());
        RaftLog log = new RaftLog(s, 0, 0);
        assertThrows(CompactedException.class, () -> log.slice(2, 4, Long.MAX_VALUE));
        assertThrows(CompactedException.class, () -> log.entriesFrom(1, Long.MAX_VALUE));
        assertEquals(List.of(3L), indexes(log.entriesFrom(3, Long.MAX_VALUE)));
    }

    // ------------------------------------------------------------------ persistence hand-off

    @Test
    void entriesAreHandedOutOnce() {
        MemoryStorage s = new MemoryStorage();
        RaftLog log = new RaftLog(s, 0, 0);
        log.append(entries(1, 1, 1));
        assertEquals(List.of(1L, 2L), indexes(log.entriesToPersist()));
        assertEquals(List.of(1L, 2L), indexes(log.entriesToPersist()), "asking twice does not consume");
        log.acceptInProgress();
        assertTrue(log.entriesToPersist().isEmpty(), "in progress: not handed out again");
        log.append(entries(3, 1));
        assertEquals(List.of(3L), indexes(log.entriesToPersist()));
        assertEquals(0, log.persistedIndex());
        s.append(entries(1, 1, 1));
        log.stableTo(2, 1);
        assertEquals(2, log.persistedIndex());
        log.acceptInProgress();
        s.append(entries(3, 1));
        log.stableTo(3, 1);
        assertEquals(3, log.persistedIndex());
        assertEquals(3, log.lastIndex());
        assertEquals(List.of(1L, 2L, 3L), indexes(log.slice(1, 4, Long.MAX_VALUE)));
    }

    @Test
    void aCompletedWriteOfEntriesReplacedMeanwhileMakesNothingDurable() {
        MemoryStorage s = new MemoryStorage();
        RaftLog log = new RaftLog(s, 0, 0);
        log.append(entries(1, 1, 1, 1));
        List<Entry> w1 = log.entriesToPersist();
        log.acceptInProgress();
        // A new leader replaces 2..3 while the write of 1..3 is in flight.
        assertEquals(2, log.maybeAppend(1, 1, 0, entries(2, 2)));
        List<Entry> w2 = log.entriesToPersist();
        assertEquals(List.of(2L), indexes(w2));
        assertEquals(List.of(2L), terms(w2));
        // The first write completes: it names (3, 1), which is no longer in the log.
        s.append(w1);
        log.stableTo(3, 1);
        assertEquals(0, log.persistedIndex(), "entry 2 on disk is the replaced one");
        assertEquals(2, log.term(2), "the log still shows the new entry");
        assertEquals(2, log.lastIndex());
        log.acceptInProgress();
        s.append(w2);
        log.stableTo(2, 2);
        assertEquals(2, log.persistedIndex());
        assertEquals(2, log.term(2));
        assertEquals(2, log.lastIndex());
    }

    @Test
    void truncationBelowInProgressWriteIsWrittenAgain() {
        MemoryStorage s = new MemoryStorage();
        RaftLog log = new RaftLog(s, 0, 0);
        log.append(entries(1, 1, 1, 1, 1));
        List<Entry> w1 = log.entriesToPersist();
        log.acceptInProgress();
        log.append(entries(3, 2)); // replaces 3..4 (in flight)
        List<Entry> w2 = log.entriesToPersist();
        assertEquals(List.of(3L), indexes(w2), "the replacement is handed out even though 3 was in progress");
        log.acceptInProgress();
        s.append(w1);
        log.stableTo(4, 1);
        s.append(w2);
        log.stableTo(3, 2);
        assertEquals(3, log.persistedIndex());
        assertEquals(List.of(1L, 1L, 2L), terms(log.slice(1, 4, Long.MAX_VALUE)));
        assertEquals(List.of(1L, 1L, 2L), terms(s.entries(1, 4, Long.MAX_VALUE)));
    }

    @Test
    void replacementOfStoredEntriesHandsOutFromTheConflict() {
        MemoryStorage s = stored(1, 1, 1, 1);
        RaftLog log = new RaftLog(s, 1, 0);
        assertEquals(4, log.persistedIndex());
        assertEquals(3, log.maybeAppend(1, 1, 1, entries(2, 3, 3)));
        assertEquals(List.of(2L, 3L), indexes(log.entriesToPersist()));
        assertEquals(1, log.persistedIndex());
        assertEquals(3, log.lastIndex());
        assertEquals(List.of(1L, 3L, 3L), terms(log.slice(1, 4, Long.MAX_VALUE)));
        persistAll(log, s);
        assertEquals(3, log.persistedIndex());
        assertEquals(3, s.lastIndex());
        assertEquals(List.of(1L, 3L, 3L), terms(s.entries(1, 4, Long.MAX_VALUE)));
    }

    /**
     * The ABA case of asynchronous writes (see cockroachdb/cockroach#127424): entry 3 of term 1 is being written
     * (W1), a leader of term 2 replaces it with 3' of term 2 (W2), then a leader of term 3 that still has the
     * original 3 (term 1) writes it back (W3). W1's completion names (3, 1), which matches the log again, but W2
     * is still queued and will overwrite entry 3 on disk with the term-2 entry: W1's completion must not mark
     * entry 3 durable, or the log would read the term-2 entry back from storage once W2 lands.
     */
    @Test
    void completionOfAnOverwrittenWriteIsIgnoredEvenIfTheEntryCameBack() {
        MemoryStorage s = stored(1);
        RaftLog log = new RaftLog(s, 1, 1);
        log.append(entries(2, 1, 1));
        List<Entry> w1 = log.entriesToPersist();
        log.acceptInProgress();
        assertEquals(3, log.maybeAppend(2, 1, 1, entries(3, 2)));
        List<Entry> w2 = log.entriesToPersist();
        log.acceptInProgress();
        assertEquals(3, log.maybeAppend(2, 1, 3, entries(3, 1)));
        List<Entry> w3 = log.entriesToPersist();
        log.acceptInProgress();
        assertEquals(List.of(3L), indexes(w2));
        assertEquals(List.of(3L), indexes(w3));
        assertEquals(3, log.committed());

        // W1 completes. Entry 3 on disk is right at this instant, but W2 is still queued.
        s.append(w1);
        log.stableTo(3, 1);
        // W2 completes: disk now holds the term-2 entry at 3.
        s.append(w2);
        log.stableTo(3, 2);
        assertEquals(1, log.term(3), "the log must still show entry 3 of term 1");
        assertTrue(log.persistedIndex() < 3, "entry 3 on disk is not the log's entry 3");
        for (Entry e : log.nextCommittedEntries(Long.MAX_VALUE)) {
            assertEquals(1, e.getTerm(), "must never hand out the overwritten entry " + e.getIndex() + " for applying");
        }
        // W3 completes: now everything is durable and correct.
        s.append(w3);
        log.stableTo(3, 1);
        assertEquals(3, log.persistedIndex());
        assertEquals(1, log.term(3));
        List<Entry> apply = log.nextCommittedEntries(Long.MAX_VALUE);
        assertEquals(3, apply.get(apply.size() - 1).getIndex());
        assertEquals(1, apply.get(apply.size() - 1).getTerm());
    }

    @Test
    void completionAfterPureAppendsIsAccepted() {
        MemoryStorage s = new MemoryStorage();
        RaftLog log = new RaftLog(s, 0, 0);
        log.append(entries(1, 1, 1));
        List<Entry> w1 = log.entriesToPersist();
        log.acceptInProgress();
        log.append(entries(3, 1));
        List<Entry> w2 = log.entriesToPersist();
        log.acceptInProgress();
        s.append(w1);
        log.stableTo(2, 1);
        assertEquals(2, log.persistedIndex(), "a later write that only appends does not hold back an earlier one");
        s.append(w2);
        log.stableTo(3, 1);
        assertEquals(3, log.persistedIndex());
    }

    @Test
    void aCompletionNamingAnEntryNotInTheLogOrAlreadyDurableChangesNothing() {
        MemoryStorage s = stored(1);
        RaftLog log = new RaftLog(s, 0, 0);
        log.append(entries(2, 1));
        log.acceptInProgress();
        log.stableTo(5, 1);
        log.stableTo(1, 1); // already stable
        assertEquals(1, log.persistedIndex());
        assertEquals(2, log.lastIndex());
    }

    // ------------------------------------------------------------------ applying

    @Test
    void committedEntriesAreHandedOutOnlyOnceTheyAreDurableHere() {
        MemoryStorage s = new MemoryStorage();
        RaftLog log = new RaftLog(s, 0, 0);
        log.append(entries(1, 1, 1));
        List<Entry> w1 = log.entriesToPersist();
        log.acceptInProgress();
        log.append(entries(3, 1, 1, 1));
        List<Entry> w2 = log.entriesToPersist();
        log.acceptInProgress();
        log.commitTo(3);
        assertFalse(log.hasNextCommittedEntries(), "committed but not durable here");
        assertTrue(log.nextCommittedEntries(Long.MAX_VALUE).isEmpty());
        s.append(w1);
        log.stableTo(2, 1);
        assertEquals(2, log.persistedIndex());
        assertTrue(log.hasNextCommittedEntries());
        assertEquals(List.of(1L, 2L), indexes(log.nextCommittedEntries(Long.MAX_VALUE)), "bounded by persistence");
        s.append(w2);
        log.stableTo(5, 1);
        assertEquals(5, log.persistedIndex());
        assertEquals(List.of(1L, 2L, 3L), indexes(log.nextCommittedEntries(Long.MAX_VALUE)), "bounded by commit");
    }

    @Test
    void committedEntriesAreHandedOutWithinTheSizeLimitAndAppliedOnlyOnceHandedOut() {
        MemoryStorage s = new MemoryStorage();
        s.append(List.of(entry(1, 1, 10), entry(2, 1, 10), entry(3, 1, 10), entry(4, 1, 10)));
        RaftLog log = new RaftLog(s, 4, 0);
        assertEquals(List.of(1L, 2L), indexes(log.nextCommittedEntries(20)), "size limit");
        assertEquals(List.of(1L), indexes(log.nextCommittedEntries(0)), "at least one");
        log.acceptApplying(2);
        assertEquals(2, log.applying());
        assertEquals(List.of(3L, 4L), indexes(log.nextCommittedEntries(Long.MAX_VALUE)));
        assertThrows(IllegalStateException.class, () -> log.appliedTo(3), "3 was never handed out");
        log.appliedTo(2);
        assertEquals(2, log.applied());
        log.appliedTo(1);
        assertEquals(2, log.applied(), "applied never goes back");
        log.acceptApplying(4);
        assertFalse(log.hasNextCommittedEntries());
        assertTrue(log.nextCommittedEntries(Long.MAX_VALUE).isEmpty());
        log.acceptApplying(3);
        assertEquals(4, log.applying());
        log.appliedTo(4);
        assertEquals(4, log.applied());
    }

    @Test
    void aRestartedLogHandsOutOnlyEntriesAfterTheAppliedIndex() {
        MemoryStorage s = stored(1, 1, 1, 1);
        RaftLog log = new RaftLog(s, 4, 2);
        assertEquals(2, log.applied());
        assertEquals(List.of(3L, 4L), indexes(log.nextCommittedEntries(Long.MAX_VALUE)));
    }

    // ------------------------------------------------------------------ snapshots

    @Test
    void restoringASnapshotReplacesTheLogAndCommitsUpToIt() {
        MemoryStorage s = stored(1, 1, 1, 1, 1);
        RaftLog log = new RaftLog(s, 2, 2);
        SnapshotMetadata snap = snapshot(10, 3, 1, 2, 3);
        log.restore(snap);
        assertEquals(11, log.firstIndex());
        assertEquals(10, log.lastIndex());
        assertEquals(3, log.lastTerm());
        assertEquals(10, log.committed());
        assertEquals(3, log.term(10));
        assertThrows(CompactedException.class, () -> log.term(9));
        assertEquals(0, log.persistedIndex(), "nothing counts as durable until the snapshot is");
        assertFalse(log.hasNextCommittedEntries(), "the snapshot is applied as a whole, not entry by entry");
        assertEquals(snap, log.snapshotToPersist());
        assertEquals(snap, log.snapshotToInstall());
        assertNull(new RaftLog(stored(1), 0, 0).snapshotToInstall());
        assertTrue(log.entriesToPersist().isEmpty());
        // Appends after the snapshot work before it is durable.
        assertEquals(11, log.maybeAppend(10, 3, 10, entries(11, 3)));
        log.acceptInProgress();
        assertNull(log.snapshotToPersist(), "in progress");
        s.applySnapshot(snap);
        assertEquals(snap, log.snapshotToInstall(), "written but not yet reported durable");
        log.stableSnapshotTo(10);
        assertNull(log.snapshotToInstall());
        assertEquals(10, log.applied());
        assertEquals(10, log.applying());
        assertEquals(snap, log.storageSnapshot());
        s.append(entries(11, 3));
        log.stableTo(11, 3);
        assertEquals(11, log.persistedIndex());
        assertEquals(11, log.firstIndex());
        assertEquals(11, log.lastIndex());
        assertEquals(3, log.term(10));
        log.commitTo(11);
        assertEquals(List.of(11L), indexes(log.nextCommittedEntries(Long.MAX_VALUE)));
    }

    @Test
    void aRestoredSnapshotDiscardsUnwrittenEntriesAndLateWriteCompletions() {
        MemoryStorage s = new MemoryStorage();
        RaftLog log = new RaftLog(s, 0, 0);
        log.append(entries(1, 1, 1, 1));
        log.acceptInProgress();
        log.append(entries(4, 1));
        log.restore(snapshot(5, 2, 1));
        assertTrue(log.entriesToPersist().isEmpty());
        assertEquals(5, log.lastIndex());
        // A late completion of the write started before the snapshot changes nothing.
        s.append(entries(1, 1, 1, 1));
        log.stableTo(3, 1);
        assertEquals(6, log.firstIndex());
        assertEquals(5, log.lastIndex());
        assertEquals(0, log.persistedIndex());
        SnapshotMetadata toWrite = log.snapshotToPersist();
        log.acceptInProgress();
        s.applySnapshot(toWrite);
        log.stableSnapshotTo(5);
        assertEquals(5, log.persistedIndex());
        assertEquals(5, log.applied());
    }

    @Test
    void theCompletionOfAnotherSnapshotsWriteLeavesThisOneNotDurable() {
        RaftLog log = log(1);
        log.restore(snapshot(10, 2, 1));
        log.acceptInProgress();
        log.stableSnapshotTo(9);
        assertEquals(0, log.persistedIndex(), "still waiting for snapshot 10");
    }

    @Test
    void printsItsRangeAndItsCommitAndAppliedIndexes() {
        RaftLog log = new RaftLog(stored(1, 1, 1), 2, 1);
        assertEquals("log[1..3 committed=2 applied=1]", log.toString());
    }
}
