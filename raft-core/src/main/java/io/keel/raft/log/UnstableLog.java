package io.keel.raft.log;

import io.keel.raft.proto.Entry;
import io.keel.raft.proto.SnapshotMetadata;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of the log not yet known to be durable: entries (and possibly a received snapshot) handed, or about to
 * be handed, to the caller for persisting. Entries below offsetInProgress are being written; the rest wait for
 * the next Ready. Writes may still be in flight when a new leader replaces the tail, so a completion names the
 * (index, term) it wrote and is ignored if that entry has since been replaced.
 */
final class UnstableLog {
    private SnapshotMetadata snapshot;
    private boolean snapshotInProgress;
    private final ArrayList<Entry> entries = new ArrayList<>();
    private long offset;
    private long offsetInProgress;
    /**
     * The entry writes handed out and not yet reported durable, oldest first, each with the epoch it was handed out
     * in. The epoch is bumped whenever entries already handed out are replaced: a completion of an older write then
     * proves nothing, even if its (index, term) is in the log again (A-B-A: 3@1 replaced by 3@2, then 3@1 written
     * back by a later leader; the 3@2 write still queued would overwrite the 3@1 that the first write put on disk).
     */
    private final ArrayDeque<Write> writes = new ArrayDeque<>();
    private long epoch;

    private record Write(long lastIndex, long lastTerm, long epoch) {
    }

    UnstableLog(long offset) {
        this.offset = offset;
        this.offsetInProgress = offset;
    }

    long offset() {
        return offset;
    }

    boolean hasEntries() {
        return !entries.isEmpty();
    }

    SnapshotMetadata snapshot() {
        return snapshot;
    }

    /** The first index, if a pending snapshot determines it; -1 otherwise. */
    long maybeFirstIndex() {
        return snapshot != null ? snapshot.getIndex() + 1 : -1;
    }

    long maybeLastIndex() {
        if (!entries.isEmpty()) return offset + entries.size() - 1;
        if (snapshot != null) return snapshot.getIndex();
        return -1;
    }

    /** The term at index if this part of the log knows it; -1 otherwise. */
    long maybeTerm(long index) {
        if (index < offset) {
            return snapshot != null && snapshot.getIndex() == index ? snapshot.getTerm() : -1;
        }
        long last = maybeLastIndex();
        if (last < 0 || index > last) return -1;
        return entries.get((int) (index - offset)).getTerm();
    }

    boolean hasEntriesToPersist() {
        return offsetInProgress < offset + entries.size();
    }

    List<Entry> entriesToPersist() {
        return List.copyOf(entries.subList((int) (offsetInProgress - offset), entries.size()));
    }

    SnapshotMetadata snapshotToPersist() {
        return snapshot != null && !snapshotInProgress ? snapshot : null;
    }

    /** Everything returned by entriesToPersist() and snapshotToPersist() is now being written. */
    void acceptInProgress() {
        if (offsetInProgress < offset + entries.size()) {
            Entry last = entries.get(entries.size() - 1);
            writes.addLast(new Write(last.getIndex(), last.getTerm(), epoch));
        }
        offsetInProgress = offset + entries.size();
        if (snapshot != null) snapshotInProgress = true;
    }

    /**
     * Entries up to (index, term) are durable; ignored if that entry was replaced meanwhile, or if any entry handed
     * out was replaced after this write was (a write still queued may overwrite it on disk). Writes complete in the
     * order they were handed out.
     */
    void stableTo(long index, long term) {
        Write done = null;
        for (Write w : writes) {
            if (w.lastIndex() == index && w.lastTerm() == term) {
                done = w;
                break;
            }
        }
        if (done == null) return;
        while (writes.pollFirst() != done) {
            // earlier writes have completed too
        }
        if (done.epoch() != epoch) return;
        if (index < offset || maybeTerm(index) != term) return;
        entries.subList(0, (int) (index + 1 - offset)).clear();
        offset = index + 1;
        offsetInProgress = Math.max(offsetInProgress, offset);
        if (entries.isEmpty()) entries.trimToSize();
    }

    void stableSnapshotTo(long index) {
        if (snapshot != null && snapshot.getIndex() == index) {
            snapshot = null;
            snapshotInProgress = false;
        }
    }

    void restore(SnapshotMetadata snap) {
        epoch++;
        offset = snap.getIndex() + 1;
        offsetInProgress = offset;
        entries.clear();
        snapshot = snap;
        snapshotInProgress = false;
    }

    void truncateAndAppend(List<Entry> newEntries) {
        long first = newEntries.get(0).getIndex();
        if (first < offsetInProgress) {
            epoch++; // replaces entries already handed out for writing
        }
        if (first == offset + entries.size()) {
            entries.addAll(newEntries);
        } else if (first <= offset) {
            // Replaces everything unstable, and the stored suffix from first on (the storage truncates it).
            entries.clear();
            entries.addAll(newEntries);
            offset = first;
            offsetInProgress = offset;
        } else {
            entries.subList((int) (first - offset), entries.size()).clear();
            entries.addAll(newEntries);
            offsetInProgress = Math.min(offsetInProgress, first);
        }
    }

    /** Entries in [lo, hi), all within this part of the log. */
    List<Entry> slice(long lo, long hi) {
        return entries.subList((int) (lo - offset), (int) (hi - offset));
    }
}
