package io.keel.storage.failure;

import java.util.concurrent.atomic.AtomicReference;

/**
 * A store's failed state (fault 13), one per store (the Raft log and the MVCC store each have theirs). The first
 * failure wins and is reported to the listener exactly once; from then on every {@link #check} raises it again.
 * There is no way back short of a restart.
 */
public final class FailStop {
    private final StorageFailureListener listener;
    private final AtomicReference<StorageFailedException> failure = new AtomicReference<>();

    public FailStop(StorageFailureListener listener) {
        this.listener = listener;
    }

    /**
     * Enters the failed state with {@code f} (unless already in it: then the first failure, raised again) and
     * returns the exception to throw.
     */
    public StorageFailedException fail(StorageFailedException f) {
        if (!failure.compareAndSet(null, f)) return new StorageFailedException(failure.get());
        try {
            listener.storageFailed(f);
        } catch (RuntimeException | Error listenerFailure) {
            f.addSuppressed(listenerFailure);
        }
        return f;
    }

    /** {@link #fail(StorageFailedException)} with the failure of one step ({@code during}). */
    public StorageFailedException fail(String during, Throwable cause) {
        return fail(StorageFailedException.during(during, cause));
    }

    /** Throws the first failure again if the store has failed. */
    public void check() {
        StorageFailedException f = failure.get();
        if (f != null) throw new StorageFailedException(f);
    }

    public boolean failed() {
        return failure.get() != null;
    }

    /** The failure that stopped the store, or null. */
    public StorageFailedException failure() {
        return failure.get();
    }
}
