package io.keel.storage.mvcc;

public record LeaseRevokeResponse(long revision) implements Response {}
