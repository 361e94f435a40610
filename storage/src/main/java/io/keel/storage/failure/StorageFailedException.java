package io.keel.storage.failure;

/**
 * The Raft log or the MVCC store hit an error it must not recover from by itself: a failed write or fsync, a failed
 * RocksDB call, or damaged data. From then on every call to that store throws this, and its
 * {@link StorageFailureListener} has been told once.
 *
 * <p>Why a write or fsync error is never retried (fault 13): after a failed fsync, Linux may already have marked the
 * dirty pages clean or dropped them, so a second fsync can report success for data that never reached the disk
 * ("fsyncgate", PostgreSQL 2018; Rebello et al., "Can Applications Recover from fsync Failures?", USENIX ATC'20).
 * Nothing the failed write carried was acknowledged; the only safe recovery is to stop, restart from what the disk
 * really holds, and catch up from the peers (or, for damaged data, be repaired from a peer's snapshot).
 */
public class StorageFailedException extends IllegalStateException {
    /** A failure whose message says what failed and what to do. */
    public StorageFailedException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The same failure, raised again by a later call. */
    public StorageFailedException(StorageFailedException first) {
        super(first.getMessage(), first);
    }

    /**
     * The failure of one step ({@code during}), with the usual advice (restart the member) unless the cause tells
     * the repair itself ({@link TellsTheRepair}).
     */
    public static StorageFailedException during(String during, Throwable cause) {
        return new StorageFailedException("storage failed: " + during + ": " + describe(cause) + "; the member must stop"
                + (cause instanceof TellsTheRepair ? ""
                : " (restart it: it recovers from its disk and catches up from its peers)"), cause);
    }

    private static String describe(Throwable cause) {
        String m = cause.getMessage();
        return m == null || m.isEmpty() ? cause.getClass().getSimpleName() : m;
    }
}
