package io.keel.storage.mvcc;

public record CompactResponse(long revision) implements Response {}
