package io.keel.storage.log;

/**
 * The store hit an error it must not recover from by itself: a failed write or fsync, or damaged data. From then on
 * every call throws this, and the {@link StorageFailureListener} has been told once.
 *
 * <p>Why a write or fsync error is never retried (fault 13): after a failed fsync, Linux may already have marked the
 * dirty pages clean or dropped them, so a second fsync can report success for data that never reached the disk
 * ("fsyncgate", PostgreSQL 2018; Rebello et al., "Can Applications Recover from fsync Failures?", USENIX ATC'20).
 * Nothing the failed write carried was acknowledged; the only safe recovery is to stop, restart from what the disk
 * really holds, and catch up from the peers.
 */
public final class StorageFailedException extends IllegalStateException {
    StorageFailedException(String during, Throwable cause) {
        super("storage failed: " + during + ": " + describe(cause) + "; the member must stop"
                + (cause instanceof CorruptLogException ? "" // it says what to do instead
                : " (restart it: it recovers from its disk and catches up from its peers)"), cause);
    }

    /** The same failure, raised again by a later call. */
    StorageFailedException(StorageFailedException first) {
        super(first.getMessage(), first);
    }

    private static String describe(Throwable cause) {
        String m = cause.getMessage();
        return m == null || m.isEmpty() ? cause.getClass().getSimpleName() : m;
    }
}
