package io.keel.raft.runtime;

/**
 * A linearizable read's result. {@code leaseTerm} is the term of the lease it relied on (0: confirmed by a
 * ReadIndex round instead).
 */
public record ReadAnswer<T>(T value, long index, long leaseTerm) {
    public boolean byLease() {
        return leaseTerm != 0;
    }
}
