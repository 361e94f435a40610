package io.keel.storage.mvcc.api;

public record LeaseRevokeResponse(long revision) implements Response {}
