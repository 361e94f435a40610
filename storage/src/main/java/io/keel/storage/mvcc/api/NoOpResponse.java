package io.keel.storage.mvcc.api;

public record NoOpResponse(long revision) implements Response {}
