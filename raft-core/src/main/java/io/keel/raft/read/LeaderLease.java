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

    public LeaderLease(long duration) {
        this.duration = duration;
    }

    public long duration() {
        return duration;
    }

    /** A quorum answered a round sent at {@code sentAt}. */
    public void extendFrom(long sentAt) {
        expiresAt = Math.max(expiresAt, sentAt + duration);
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
