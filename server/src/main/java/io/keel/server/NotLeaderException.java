package io.keel.server;

/**
 * A write could not be proposed: this member knows no leader (a follower forwards writes to the leader it knows),
 * or it is the leader and is handing leadership over. Retry shortly; {@link #leaderHint()} names the leader (or
 * the transfer's target) when known.
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
