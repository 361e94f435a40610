package io.keel.storage.mvcc.api;

import java.util.List;

/**
 * A lease as the store knows it: its id, the TTL it was granted (seconds) and the keys attached to it, in key
 * order. The remaining TTL is not here: expiry is the leader's clock, not state.
 */
public record LeaseInfo(long id, long grantedTtl, List<byte[]> keys) {}
