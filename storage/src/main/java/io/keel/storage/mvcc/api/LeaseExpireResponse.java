package io.keel.storage.mvcc.api;

/** Whether the expiry revoked the lease (false: it was renewed after the leader decided, or is already gone). */
public record LeaseExpireResponse(long revision, long id, boolean revoked) implements Response {}
