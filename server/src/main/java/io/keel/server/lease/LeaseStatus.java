package io.keel.server.lease;

import java.util.List;

/**
 * etcd's LeaseTimeToLive answer: the remaining TTL in whole seconds by the leader's clock (truncated, as etcd
 * does; 0 or negative once past its deadline until the expiry applies), the granted TTL, and the attached keys
 * when asked for (else empty).
 */
public record LeaseStatus(long id, long ttl, long grantedTtl, List<byte[]> keys) {
}
