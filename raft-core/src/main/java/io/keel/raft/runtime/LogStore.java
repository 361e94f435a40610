package io.keel.raft.runtime;

import io.keel.raft.Ready;

/**
 * The durable Raft log a {@link MemberRuntime} drives: the server's group-commit RocksDB log, the simulation's
 * simulated disk, a test's hand-completed store.
 */
public interface LogStore {
    /** Told, from any thread, how one write ended. Exactly one of the two is called, once. */
    interface Done {
        /** The write is durable (synced). */
        void durable();

        /** The write failed: the runtime stops (fail-stop), since nothing written after it may be acknowledged. */
        void failed(Throwable cause);
    }

    /**
     * Writes {@code ready}'s snapshot metadata (when present), entries and hard state in one atomic, synced write,
     * without waiting for it: {@code done} is told once it is durable. Writes are handed over in the order the
     * Readys were handed out and must become durable in that order (a group commit keeps it).
     */
    void persist(Ready ready, Done done);
}
