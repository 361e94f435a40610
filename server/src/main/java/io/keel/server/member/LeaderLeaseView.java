package io.keel.server.member;

/**
 * The leader lease as the raft thread last published it: when it expires (local monotonic nanos, Long.MIN_VALUE
 * for none), in which term, and the wall-minus-monotonic clock offset when it was published. One immutable object
 * in one volatile, so readers never see the expiry of one term with another term.
 *
 * <p>The offset is there for suspensions after publication: a reader that finds the wall clock has run ahead of
 * the monotonic one since then treats the lease as gone, without waiting for the raft thread's next tick to notice
 * (see {@link ClockJumps}).
 */
record LeaderLeaseView(long expiresAt, long term, long clockOffsetNanos) {
    static final LeaderLeaseView NONE = new LeaderLeaseView(Long.MIN_VALUE, 0, 0);

    /** Whether the lease of {@code term} is still held now, by {@code clocks}. */
    boolean holds(long term, ClockJumps clocks) {
        return holds(term, clocks.monotonicNanos(), clocks.offsetNow());
    }

    /** Whether the lease of {@code term} is held at monotonic time {@code nowNanos} with the clocks' offset then. */
    boolean holds(long term, long nowNanos, long clockOffsetNowNanos) {
        return expiresAt != Long.MIN_VALUE && this.term == term && expiresAt - nowNanos > 0
                && clockOffsetNowNanos - clockOffsetNanos <= ClockJumps.TOLERANCE_NANOS;
    }
}
