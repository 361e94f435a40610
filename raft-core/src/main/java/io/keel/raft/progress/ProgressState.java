package io.keel.raft.progress;

/** How the leader is currently sending the log to one follower. */
public enum ProgressState {
    /** Where the follower's log matches is unknown: one append at a time until an acknowledgement says. */
    PROBE,
    /** The logs match up to match: appends stream optimistically, bounded by the in-flight window. */
    REPLICATE,
    /** The follower needs entries already compacted away: a snapshot is on its way, appends wait. */
    SNAPSHOT
}
