package io.keel.server;

/**
 * Writes go to the leader and this member is not it (or leadership is being handed over). Retry at
 * {@link #leaderHint()} when it is known (non-zero); forwarding to the leader comes with the gRPC API.
 */
public final class NotLeaderException extends KeelException {
    private final long leaderHint;

    public NotLeaderException(long memberId, long leaderHint, String why) {
        super("member " + Long.toHexString(memberId) + " is not the leader (" + why + "); "
                + (leaderHint == 0 ? "no leader known yet" : "the leader is " + Long.toHexString(leaderHint)));
        this.leaderHint = leaderHint;
    }

    /** The leader as far as this member knows, or 0 when none is known. */
    public long leaderHint() {
        return leaderHint;
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
