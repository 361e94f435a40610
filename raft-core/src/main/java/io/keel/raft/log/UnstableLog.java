package io.keel.raft.log;

import io.keel.raft.proto.Entry;
import io.keel.raft.proto.SnapshotMetadata;

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

    List<Entry> entriesToPersist() {
        return List.copyOf(entries.subList((int) (offsetInProgress - offset), entries.size()));
    }

    SnapshotMetadata snapshotToPersist() {
        return snapshot != null && !snapshotInProgress ? snapshot : null;
    }

    /** Everything returned by entriesToPersist() and snapshotToPersist() is now being written. */
    void acceptInProgress() {
        offsetInProgress = offset + entries.size();
        if (snapshot != null) snapshotInProgress = true;
    }

    /** Entries up to (index, term) are durable; ignored if that entry was replaced meanwhile. */
    void stableTo(long index, long term) {
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
        offset = snap.getIndex() + 1;
        offsetInProgress = offset;
        entries.clear();
        snapshot = snap;
        snapshotInProgress = false;
    }

    void truncateAndAppend(List<Entry> newEntries) {
        long first = newEntries.get(0).getIndex();
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
