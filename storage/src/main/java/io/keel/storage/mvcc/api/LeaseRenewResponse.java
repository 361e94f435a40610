package io.keel.storage.mvcc.api;

/** The renewed lease and the TTL it was granted (seconds), which is the TTL a keep-alive answers. */
public record LeaseRenewResponse(long revision, long id, long ttl) implements Response {}
