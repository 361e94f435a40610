package io.keel.server.member;

import io.keel.raft.SoftState;
import io.keel.raft.proto.Message;

import java.util.List;

/**
 * What a member tells an observer (the launcher's metrics, {@code io.keel.server.ops}) as it happens. Calls come
 * from the member's own threads (raft, sync, apply, transport): an implementation records and returns at once,
 * never blocks and never throws.
 */
public interface MemberObserver {
    /** Observes nothing. */
    MemberObserver NONE = new MemberObserver() { };

    /** Raft thread: role, term or known leader changed. */
    default void stateChanged(SoftState state) {
    }

    /** Sync thread: a Ready's write became durable {@code nanos} after it was handed to the persist pipeline. */
    default void persisted(long nanos) {
    }

    /** Apply thread: {@code entries} committed entries were applied to the store in {@code nanos}. */
    default void applied(int entries, long nanos) {
    }

    /** A client write finished: committed (applied, possibly refused by the store) or failed (not applied). */
    default void proposalFinished(boolean committed) {
    }

    /**
     * Messages handed to the transport (not necessarily delivered): on the raft thread, or on the sync thread for
     * those a durable write released (acknowledgements and votes, never heartbeats).
     */
    default void messagesSent(List<Message> messages) {
    }

    /** Transport thread: a message from a peer arrived. */
    default void messageReceived(Message message) {
    }

    /** The member stopped after a failure (fail-stop); it is closing or closed. */
    default void failed(Throwable cause) {
    }
}
