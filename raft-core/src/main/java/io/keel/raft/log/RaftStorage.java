package io.keel.raft.log;

import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.HardState;
import io.keel.raft.proto.SnapshotMetadata;

import java.util.List;

/**
 * What raft-core reads from durable storage. raft-core never writes: the caller persists what a Ready hands it
 * (entries, hard state, snapshot) and then reports it persisted. An implementation sees only persisted data.
 *
 * <p>Indexes: the log holds entries firstIndex()..lastIndex(); everything before firstIndex() is covered by the
 * snapshot, whose index is firstIndex() - 1 and whose term is term(firstIndex() - 1).
 */
public interface RaftStorage {

    /** The persisted hard state and the configuration as of the applied index the node is started with. */
    InitialState initialState();

    /**
     * Entries in [lo, hi), stopping early once their total size would exceed maxBytes (but always at least one).
     * Throws CompactedException if lo is below firstIndex().
     */
    List<Entry> entries(long lo, long hi, long maxBytes);

    /** The term of the entry at index, for {@code firstIndex()-1 <= index <= lastIndex()}; CompactedException below. */
    long term(long index);

    long firstIndex();

    long lastIndex();

    /** The metadata of the newest snapshot (index 0 when there is none). */
    SnapshotMetadata snapshotMetadata();

    record InitialState(HardState hardState, ConfState confState) {
    }
}
