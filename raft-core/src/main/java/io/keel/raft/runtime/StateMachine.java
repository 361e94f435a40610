package io.keel.raft.runtime;

import com.google.protobuf.ByteString;
import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.SnapshotMetadata;

import java.util.List;

/**
 * What committed entries are applied to, on the runtime's apply stage only (one batch at a time, in log order).
 *
 * @param <R> the result of applying one entry, handed to the proposal that wrote it
 */
public interface StateMachine<R> {
    /**
     * Applies a batch of committed entries, in order, and returns one result per entry (null where nobody
     * waits, e.g. a membership change). {@code confState}, when not null, is the configuration the batch leads
     * to: recorded with the applied index, so a snapshot taken after the batch carries it.
     */
    List<R> apply(List<Entry> entries, ConfState confState);

    /**
     * Replaces the state with the snapshot received for {@code snapshot} (the transport delivered its data beside
     * the message). Runs after every batch queued before it and before the Ready carrying the snapshot is
     * persisted: once the log says "snapshot at N", the state it stands for must already be there.
     */
    void installSnapshot(SnapshotMetadata snapshot);

    /**
     * A proposal a follower forwards to the leader, tagged with who forwarded it, so that this member recognises
     * it when it applies it (the leader answers nothing for a forwarded proposal).
     */
    ByteString tagOrigin(ByteString data, long member, long request);

    /** The request id of {@code entry}'s origin tag when it was forwarded by {@code member}, or -1. */
    long originRequest(Entry entry, long member);
}
