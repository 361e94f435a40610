package io.keel.storage.mvcc.api;

/**
 * A keep-alive of lease {@code id} as a Raft entry: answers the lease's granted TTL (or refuses with
 * LEASE_NOT_FOUND) and records the entry's index as the lease's last renewal, so that an expiry decided before
 * it applied cannot revoke the lease ({@link LeaseExpireRequest}). The key space and revision do not change.
 */
public record LeaseRenewRequest(long id) implements Operation {
    /** A second renewal only restarts the lease's deadline again, which is what its client asked for. */
    @Override
    public boolean mayApplyTwice() {
        return true;
    }
}
