package io.keel.server;

/**
 * A request could not be proposed: this member knew no leader for as long as the request could wait for one (a
 * member just started, a cluster without a quorum, an election that took too long), or it is the leader and is
 * handing leadership over. A follower forwards writes to the leader it knows, so this is never "ask another member".
 * Retry (at this or another member); {@link #leaderHint()} names the leader (or the transfer's target) when known.
 */
public final class NotLeaderException extends KeelException {
    private final long leaderHint;

    /** Member {@code memberId} could not propose for reason {@code why}; {@code leaderHint}: the leader, or 0. */
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
