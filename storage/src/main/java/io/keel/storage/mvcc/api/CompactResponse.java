package io.keel.storage.mvcc.api;

public record CompactResponse(long revision) implements Response {}
