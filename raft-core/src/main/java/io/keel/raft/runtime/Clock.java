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
}
