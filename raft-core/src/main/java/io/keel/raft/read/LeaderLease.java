package io.keel.raft.read;

/**
 * The leader lease (thesis §6.4.1): a time before which no other leader can exist, so reads may be served
 * without a confirmation round.
 *
 * <p>Why it is safe: a follower that has heard from the leader refuses votes and pre-votes for the minimum
 * election timeout, measured from when it processed that message, on its own clock. The lease starts at the
 * <em>send</em> time of a round a quorum answered (earlier than any follower received it), and lasts at most
 * min-election-timeout x (1 - max clock drift), so even a follower whose clock runs faster by the allowed drift
 * still refuses votes when the lease ends. Any new leader needs a vote from that quorum. Counting from send time
 * rather than from CheckQuorum's coarse windows is the fix for etcd-io/raft#166 and sofastack/sofa-jraft#34.
 */
public final class LeaderLease {
    private final long duration;
    private long expiresAt = Long.MIN_VALUE;
    /** Rounds sent before this time no longer count (see {@link #restartAfter}). */
    private long notBefore = Long.MIN_VALUE;

    public LeaderLease(long duration) {
        this.duration = duration;
    }

    /** A quorum answered a round sent at {@code sentAt}. */
    public void extendFrom(long sentAt) {
        if (sentAt < notBefore) return;
        expiresAt = Math.max(expiresAt, sentAt + duration);
    }

    /**
     * Ends the lease, and only rounds sent at or after {@code now} may earn it again. For when the caller's
     * monotonic clock may have stood still while real time went on (a suspended VM: {@code System.nanoTime}
     * stops, boot and wall time do not): followers' guards ran out in real time, so neither the lease nor a round
     * sent before the suspension proves anything any more.
     */
    public void restartAfter(long now) {
        expiresAt = Long.MIN_VALUE;
        notBefore = Math.max(notBefore, now);
    }

    public boolean isValid(long now) {
        return now < expiresAt;
    }

    /** The local monotonic time at which the lease ends, or Long.MIN_VALUE when there is none. */
    public long expiresAt() {
        return expiresAt;
    }

    public void drop() {
        expiresAt = Long.MIN_VALUE;
    }
}
