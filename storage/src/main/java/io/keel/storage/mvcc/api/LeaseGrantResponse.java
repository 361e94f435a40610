package io.keel.storage.mvcc.api;

/**
 * A granted lease: its {@code id} (attach keys with it, keep it alive with it), its {@code ttl} in seconds (raised to
 * the minimum etcd allows for the election timeout), and the store's {@code revision}.
 */
public record LeaseGrantResponse(long revision, long id, long ttl) implements Response {}
