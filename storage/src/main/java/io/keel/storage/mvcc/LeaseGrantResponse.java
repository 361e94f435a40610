package io.keel.storage.mvcc;

public record LeaseGrantResponse(long revision, long id, long ttl) implements Response {}
