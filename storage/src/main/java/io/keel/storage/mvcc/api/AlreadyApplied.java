package io.keel.storage.mvcc.api;

/**
 * The entry's index is at or below the stored applied index: it was applied before a restart and replaying it
 * changed nothing. No client waits for its answer any more, so there is none to give.
 */
public record AlreadyApplied(long raftIndex, long appliedIndex, long revision) implements Response {}
