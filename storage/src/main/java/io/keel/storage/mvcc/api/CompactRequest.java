package io.keel.storage.mvcc.api;

/** Forget history below {@code revision}: each key keeps its latest version at or below it. */
public record CompactRequest(long revision) implements Operation {}
