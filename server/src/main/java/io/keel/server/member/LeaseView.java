package io.keel.server.member;

/**
 * The leader lease as the raft thread last published it: when it expires (local monotonic nanos,
 * Long.MIN_VALUE for none) and in which term. One immutable object in one volatile, so readers never see the
 * expiry of one term with another term.
 */
record LeaseView(long expiresAt, long term) {
    static final LeaseView NONE = new LeaseView(Long.MIN_VALUE, 0);

    /** Whether the lease of {@code term} is still held at {@code nowNanos}. */
    boolean holds(long term, long nowNanos) {
        return expiresAt != Long.MIN_VALUE && this.term == term && expiresAt - nowNanos > 0;
    }
}
