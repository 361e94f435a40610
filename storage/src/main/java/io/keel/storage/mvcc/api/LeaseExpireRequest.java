package io.keel.storage.mvcc.api;

/**
 * The leader found lease {@code id} expired, having applied entries up to {@code unrenewedSince}: revoke it (as
 * {@link LeaseRevokeRequest} does, all its keys at one revision) unless a renewal entry after that index applied
 * first, or the lease is gone. A keep-alive that was already in the log when the leader decided therefore wins,
 * and whatever a keep-alive answered stays true.
 */
public record LeaseExpireRequest(long id, long unrenewedSince) implements Operation {}
