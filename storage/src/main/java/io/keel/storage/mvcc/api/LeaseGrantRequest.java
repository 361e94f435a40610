package io.keel.storage.mvcc.api;

/**
 * Grant lease {@code id} (0: the store picks one, the same on every member) with a TTL in seconds. The server
 * applies etcd's minimum TTL before proposing; the store records what it is given.
 */
public record LeaseGrantRequest(long id, long ttl) implements Operation {}
