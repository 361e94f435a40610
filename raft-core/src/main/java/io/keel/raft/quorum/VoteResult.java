package io.keel.raft.quorum;

/** The outcome of counting votes (or acknowledgements) against a quorum. */
public enum VoteResult {
    /** Not yet decided: enough voters have not answered that either outcome is still possible. */
    PENDING,
    /** A majority (of each half, in a joint configuration) granted. */
    WON,
    /** No majority can be reached any more. */
    LOST
}
