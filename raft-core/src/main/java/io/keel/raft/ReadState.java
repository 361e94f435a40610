package io.keel.raft;

/**
 * The answer to a read request: once the local state machine has applied {@code index}, the read may be
 * executed and answered. A rejected read (no leader known, leadership lost before confirmation, no answer from
 * the leader within an election timeout) must be retried or failed by the caller.
 *
 * <p>A lease read ({@link #isLeaseRead()}) was answered without a confirmation round. After executing it, the
 * caller re-checks that the member <em>still</em> holds its lease: {@link RaftNode#leaseExpiresAt()} as of now
 * (the raft thread publishes it after every step, before sending that step's messages) must be later than the
 * caller's monotonic clock, in the same term; otherwise the answer is discarded and the read retried.
 * {@code leaseExpiresAt} here is only the expiry when the read was answered: the lease can end earlier, for
 * instance when a leadership transfer starts, and a read executed after that could miss a write of the new
 * leader (found by the simulation when reads are executed late).
 */
public record ReadState(long readId, long index, boolean rejected, long leaseExpiresAt) {
    public static final long NO_LEASE = Long.MIN_VALUE;

    public static ReadState confirmed(long readId, long index) {
        return new ReadState(readId, index, false, NO_LEASE);
    }

    public static ReadState byLease(long readId, long index, long leaseExpiresAt) {
        return new ReadState(readId, index, false, leaseExpiresAt);
    }

    public static ReadState rejected(long readId) {
        return new ReadState(readId, 0, true, NO_LEASE);
    }

    public boolean isLeaseRead() {
        return leaseExpiresAt != NO_LEASE;
    }
}
