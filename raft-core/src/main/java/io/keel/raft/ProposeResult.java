package io.keel.raft;

/** The answer to a proposal: appended at (index, term), or refused with a reason the caller can act on. */
public sealed interface ProposeResult {

    /**
     * Appended to the leader's log. The proposal took effect iff the entry applied at {@code index} has
     * {@code term}; an entry of another term at that index means it was lost with a leader change.
     */
    record Accepted(long index, long term) implements ProposeResult {
    }

    /**
     * Sent to the leader {@code leader} (a follower's {@link RaftNode#proposeOrForward}). Nothing comes back: the
     * leader may append it or drop it (it lost leadership, is transferring it, or is overloaded), and the proposer
     * learns which only by finding the proposal in the committed log, so it must recognise its own payloads there
     * and give up after a timeout.
     */
    record Forwarded(long leader) implements ProposeResult {
    }

    record Refused(Reason reason, long leaderHint, String message) implements ProposeResult {
    }

    enum Reason {
        /** Only the leader accepts proposals; leaderHint names it when known (0 otherwise). Retryable elsewhere. */
        NOT_LEADER,
        /** Leadership is being handed over; retry shortly, probably at the new leader. */
        LEADERSHIP_TRANSFER,
        /** The entry alone exceeds the maximum message size; will never succeed. */
        TOO_LARGE,
        /** Too many uncommitted bytes are already in flight (back-pressure); retry after a short wait. */
        OVERLOADED,
        /** Another membership change is not yet applied; one change at a time (thesis §4.1). */
        CONF_CHANGE_PENDING,
        /** The membership change itself is not allowed; the message says why. */
        INVALID_CONF_CHANGE
    }

    default boolean isAccepted() {
        return this instanceof Accepted;
    }
}
