package io.keel.raft.runtime;

/** The member's monotonic clock, in nanoseconds (System.nanoTime in the server, a drifting virtual clock in the simulation). */
public interface Clock {
    long now();

    /**
     * Whether the clock may have stood still since the last call while real time went on (a suspended VM: the
     * server compares it with the wall clock). The lease then ends until a later round confirms it.
     */
    default boolean mayHaveStoppedSinceLastCheck() {
        return false;
    }

    /**
     * Raft stage: a reading taken when the lease is published ({@link PublishedLeaderLease#clockMark()}), for
     * {@link #mayHaveStoppedSince} to compare with later.
     */
    default long suspensionMark() {
        return 0;
    }

    /**
     * Any stage: whether the clock may have stood still since {@code mark} was taken. A lease read that executed
     * after such a suspension is not answered: the lease it relied on may have ended for the followers while this
     * clock stood still, before the raft stage's next check notices (the server compares the wall clock's offset).
     */
    default boolean mayHaveStoppedSince(long mark) {
        return false;
    }
}
