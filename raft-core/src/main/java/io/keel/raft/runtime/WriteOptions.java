package io.keel.raft.runtime;

/**
 * How a write may travel.
 *
 * @param forward      a follower that knows the leader may forward it there (false: refused with NOT_LEADER)
 * @param mayApplyTwice the write is idempotent (a lease renewal): forwarded again to each new leader, since the
 *                     old one may have dropped it
 */
public record WriteOptions(boolean forward, boolean mayApplyTwice) {
    public static final WriteOptions LEADER_ONLY = new WriteOptions(false, false);
    public static final WriteOptions FORWARD = new WriteOptions(true, false);
}
