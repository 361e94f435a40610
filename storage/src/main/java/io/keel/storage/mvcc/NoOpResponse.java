package io.keel.storage.mvcc;

public record NoOpResponse(long revision) implements Response {}
