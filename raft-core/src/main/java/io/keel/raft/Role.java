package io.keel.raft;

/** A member's role in the current term. */
public enum Role {
    FOLLOWER,
    /** Asking whether it could win before raising its term (thesis §9.6). */
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}
