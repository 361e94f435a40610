package io.keel.storage.log;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The store's failed state (fault 13). The first failure wins and is reported to the listener exactly once; from
 * then on every call raises it again. There is no way back short of a restart.
 */
final class FailStop {
    private final StorageFailureListener listener;
    private final AtomicReference<StorageFailedException> failure = new AtomicReference<>();

    FailStop(StorageFailureListener listener) {
        this.listener = listener;
    }

    /** Enters the failed state (unless already in it) and returns the exception to throw. */
    StorageFailedException fail(String during, Throwable cause) {
        StorageFailedException f = new StorageFailedException(during, cause);
        if (!failure.compareAndSet(null, f)) return new StorageFailedException(failure.get());
        try {
            listener.storageFailed(f);
        } catch (RuntimeException | Error listenerFailure) {
            f.addSuppressed(listenerFailure);
        }
        return f;
    }

    /** Throws if the store has failed. */
    void check() {
        StorageFailedException f = failure.get();
        if (f != null) throw new StorageFailedException(f);
    }

    boolean failed() {
        return failure.get() != null;
    }
}
