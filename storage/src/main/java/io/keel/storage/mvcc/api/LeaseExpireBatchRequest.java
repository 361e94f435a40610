package io.keel.storage.mvcc.api;

import java.util.List;

/**
 * Several of the leader's expiries in one entry (issue 16: a mass expiry costs few log entries). Each is applied as a
 * {@link LeaseExpireRequest} of its own, in order: a lease revoked here has its keys deleted at a revision of its own
 * (as etcd revokes each expired lease in a request of its own), so this is the one operation that may advance the
 * revision by more than one. A lease that is gone, or was renewed by an entry after the index the leader had seen,
 * is skipped and the others still apply.
 */
public record LeaseExpireBatchRequest(List<LeaseExpireRequest> expiries) implements Operation {
    public LeaseExpireBatchRequest {
        expiries = List.copyOf(expiries);
        if (expiries.isEmpty()) throw new IllegalArgumentException("an expiry batch names at least one lease");
    }
}
