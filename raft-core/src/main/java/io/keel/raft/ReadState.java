package io.keel.raft;

/**
 * The answer to a read request: once the local state machine has applied {@code index}, the read may be
 * executed and answered. A lease read additionally requires the caller to re-check, after executing it, that its
 * monotonic clock is still before {@code leaseExpiresAt}; if not, the read must be retried. A rejected read
 * (no leader known, or leadership lost before confirmation) must be retried or failed by the caller.
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
