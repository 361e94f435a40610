package io.keel.raft.log;

import io.keel.raft.proto.Entry;
import io.keel.raft.proto.SnapshotMetadata;

import java.util.ArrayList;
import java.util.List;

/**
 * A member's Raft log: the durable part in {@link RaftStorage}, the not-yet-durable tail in memory, and the
 * commit and apply positions. Invariants: {@code applied <= applying <= committed; committed <= lastIndex()};
 * a committed entry is never replaced (a violation stops the member: continuing could apply a different history).
 */
public final class RaftLog {
    private final RaftStorage storage;
    private final UnstableLog unstable;
    private long committed;
    /** The highest index handed to the caller for applying. */
    private long applying;
    /** The highest index the caller has applied. */
    private long applied;

    public RaftLog(RaftStorage storage, long committed, long applied) {
        this.storage = storage;
        this.unstable = new UnstableLog(storage.lastIndex() + 1);
        long first = storage.firstIndex();
        this.committed = Math.max(committed, first - 1);
        this.applied = Math.max(applied, first - 1);
        this.applying = this.applied;
        if (this.applied > this.committed) {
            throw new IllegalStateException("applied " + this.applied + " is beyond committed " + this.committed);
        }
        if (this.committed > storage.lastIndex()) {
            throw new IllegalStateException("committed " + this.committed + " is beyond the stored log's last index "
                    + storage.lastIndex() + ": the log lost committed entries");
        }
    }

    public long committed() {
        return committed;
    }

    public long applied() {
        return applied;
    }

    public long applying() {
        return applying;
    }

    public long firstIndex() {
        long i = unstable.maybeFirstIndex();
        return i >= 0 ? i : storage.firstIndex();
    }

    public long lastIndex() {
        long i = unstable.maybeLastIndex();
        return i >= 0 ? i : storage.lastIndex();
    }

    public long lastTerm() {
        return term(lastIndex());
    }

    /** The highest index up to which the log is durable and current. */
    public long persistedIndex() {
        if (unstable.snapshot() != null) return 0;
        return unstable.hasEntries() ? unstable.offset() - 1 : storage.lastIndex();
    }

    /** The term of the entry at index; 0 beyond the last index; CompactedException before the first. */
    public long term(long index) {
        long first = firstIndex();
        if (index < first - 1) throw new CompactedException(index, first);
        if (index > lastIndex()) return 0;
        long t = unstable.maybeTerm(index);
        return t >= 0 ? t : storage.term(index);
    }

    public boolean matchTerm(long index, long term) {
        try {
            return term(index) == term && index <= lastIndex();
        } catch (CompactedException e) {
            return false;
        }
    }

    /**
     * Whether a candidate's log, ending at (lastIndex, lastTerm), is at least as up-to-date as this one
     * (thesis §3.6.1): the election restriction that makes a leader hold every committed entry.
     */
    public boolean isUpToDate(long candidateLastIndex, long candidateLastTerm) {
        long myTerm = lastTerm();
        return candidateLastTerm > myTerm || (candidateLastTerm == myTerm && candidateLastIndex >= lastIndex());
    }

    /**
     * A follower's append (thesis §3.5): accepted only if the log holds (prevIndex, prevTerm) -- the log matching
     * property. Conflicting entries after it are replaced. Returns the index of the last new entry, or -1.
     */
    public long maybeAppend(long prevIndex, long prevTerm, long leaderCommit, List<Entry> entries) {
        if (!matchTerm(prevIndex, prevTerm)) {
            return -1;
        }
        long lastNew = prevIndex + entries.size();
        long conflict = findConflict(entries);
        if (conflict != 0) {
            append(entries.subList((int) (conflict - prevIndex - 1), entries.size()));
        }
        commitTo(Math.min(leaderCommit, lastNew));
        return lastNew;
    }

    /** Appends entries to the tail, replacing any uncommitted suffix they conflict with. */
    public void append(List<Entry> entries) {
        if (entries.isEmpty()) return;
        long first = entries.get(0).getIndex();
        if (first - 1 < committed) {
            throw new IllegalStateException("entry " + first + " would replace committed entries up to " + committed);
        }
        unstable.truncateAndAppend(entries);
    }

    /** The index of the first entry whose term differs from the log's (or that is new); 0 if none. */
    private long findConflict(List<Entry> entries) {
        for (Entry e : entries) {
            if (!matchTerm(e.getIndex(), e.getTerm())) {
                return e.getIndex();
            }
        }
        return 0;
    }

    /**
     * The largest index at or below {@code index} whose term is at most {@code term}, with that term. Used to skip
     * a whole term of conflicting entries per round trip instead of one entry (thesis §5.3 optimisation).
     */
    public long[] findConflictByTerm(long index, long term) {
        long i = Math.min(index, lastIndex());
        while (true) {
            long t;
            try {
                t = term(i);
            } catch (CompactedException e) {
                return new long[] {i, 0};
            }
            if (t <= term || i == 0) {
                return new long[] {i, t};
            }
            i--;
        }
    }

    public void commitTo(long index) {
        if (index <= committed) return;
        if (index > lastIndex()) {
            throw new IllegalStateException("commit " + index + " is beyond the last index " + lastIndex());
        }
        committed = index;
    }

    /**
     * Advances commit to index only if that entry is of the leader's current term. An entry of an earlier term
     * is never committed by counting replicas: it could still be overwritten (thesis §3.6.2, Figure 3.7); it
     * commits only indirectly, with a later entry of the current term.
     */
    public boolean maybeCommit(long index, long currentTerm) {
        if (index > committed && term(index) == currentTerm) {
            commitTo(index);
            return true;
        }
        return false;
    }

    /** Entries in [lo, lastIndex], bounded by maxBytes (at least one). */
    public List<Entry> entriesFrom(long lo, long maxBytes) {
        if (lo > lastIndex()) return List.of();
        return slice(lo, lastIndex() + 1, maxBytes);
    }

    /** Committed, durable entries not yet handed out for applying. */
    public List<Entry> nextCommittedEntries(long maxBytes) {
        long hi = Math.min(committed, persistedIndex());
        if (applying >= hi) return List.of();
        return slice(applying + 1, hi + 1, maxBytes);
    }

    public boolean hasNextCommittedEntries() {
        return applying < Math.min(committed, persistedIndex());
    }

    public void acceptApplying(long index) {
        applying = Math.max(applying, index);
    }

    public void appliedTo(long index) {
        if (index > applying) {
            throw new IllegalStateException("applied " + index + " was never handed out (applying " + applying + ")");
        }
        applied = Math.max(applied, index);
    }

    public List<Entry> slice(long lo, long hi, long maxBytes) {
        if (lo < firstIndex()) throw new CompactedException(lo, firstIndex());
        List<Entry> out = new ArrayList<>();
        long offset = unstable.offset();
        if (lo < offset) {
            List<Entry> stored = storage.entries(lo, Math.min(hi, offset), maxBytes);
            out.addAll(stored);
            if (stored.size() < Math.min(hi, offset) - lo) {
                return out; // the size limit was reached
            }
        }
        if (hi > offset) {
            long bytes = EntrySizes.payload(out);
            for (Entry e : unstable.slice(Math.max(lo, offset), hi)) {
                bytes += EntrySizes.payload(e);
                if (!out.isEmpty() && bytes > maxBytes) break;
                out.add(e);
            }
        }
        return out;
    }

    // --- persistence hand-off ---

    public boolean hasEntriesToPersist() {
        return unstable.hasEntriesToPersist();
    }

    public List<Entry> entriesToPersist() {
        return unstable.entriesToPersist();
    }

    public SnapshotMetadata snapshotToPersist() {
        return unstable.snapshotToPersist();
    }

    public void acceptInProgress() {
        unstable.acceptInProgress();
    }

    public void stableTo(long index, long term) {
        unstable.stableTo(index, term);
    }

    /** A received snapshot is durable and installed in the state machine: the log restarts after it. */
    public void stableSnapshotTo(long index) {
        unstable.stableSnapshotTo(index);
        applying = Math.max(applying, index);
        applied = Math.max(applied, index);
    }

    /** Replaces the log with a snapshot from the leader (thesis §5.2). */
    public void restore(SnapshotMetadata snapshot) {
        committed = snapshot.getIndex();
        unstable.restore(snapshot);
    }

    /** A snapshot received from the leader and not yet durable, or null. */
    public SnapshotMetadata snapshotToInstall() {
        return unstable.snapshot();
    }

    public SnapshotMetadata storageSnapshot() {
        return storage.snapshotMetadata();
    }

    @Override
    public String toString() {
        return "log[" + firstIndex() + ".." + lastIndex() + " committed=" + committed + " applied=" + applied + "]";
    }
}
