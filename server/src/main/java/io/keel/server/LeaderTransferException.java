package io.keel.server;

/** A leadership transfer (etcd's MoveLeader) that did not happen; {@link #reason()} says why. */
public final class LeaderTransferException extends KeelException {
    /** Why a transfer did not happen. */
    public enum Reason {
        /** Only the leader hands leadership over; ask the leader. */
        NOT_LEADER,
        /** The target is not a voting member of the cluster. */
        BAD_TRANSFEREE,
        /** The target did not take over in time (it is behind, or unreachable); the transfer was given up. */
        TIMED_OUT
    }

    private final Reason reason;

    /** A transfer that failed for {@code reason}, described by {@code message}. */
    public LeaderTransferException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** Why the transfer did not happen. */
    public Reason reason() {
        return reason;
    }

    @Override
    public boolean retryable() {
        return reason == Reason.TIMED_OUT;
    }
}
