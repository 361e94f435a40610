package io.keel.storage.log;

import io.keel.raft.proto.HardState;
import io.keel.raft.proto.SnapshotMetadata;

/**
 * What the store holds as of one point: the snapshot the log starts after, the log's last index and the hard state.
 * The log holds exactly the entries {@code firstIndex()..lastIndex()}, each under its own key. Immutable: a write
 * computes the next layout and the store publishes it once the write is durable.
 */
record LogLayout(SnapshotMetadata snapshot, long lastIndex, HardState hardState) {

    long snapshotIndex() {
        return snapshot.getIndex();
    }

    long firstIndex() {
        return snapshot.getIndex() + 1;
    }

    boolean holds(long index) {
        return index >= firstIndex() && index <= lastIndex;
    }

    LogLayout withHardState(HardState hs) {
        return new LogLayout(snapshot, lastIndex, hs);
    }

    LogLayout withSnapshot(SnapshotMetadata meta, long newLastIndex) {
        return new LogLayout(meta, newLastIndex, hardState);
    }

    LogLayout withLastIndex(long newLastIndex) {
        return new LogLayout(snapshot, newLastIndex, hardState);
    }

    /** MemoryStorage.append's refusals, in its order and words: no gap, nothing at or below the snapshot. */
    void checkAppend(long first) {
        if (first > lastIndex + 1) {
            throw new IllegalStateException("gap: appending " + first + " after " + lastIndex);
        }
        if (first <= snapshotIndex()) {
            throw new IllegalStateException("appending " + first + " at or below snapshot " + snapshotIndex());
        }
    }
}
