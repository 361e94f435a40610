package io.keel.storage.failure;

/**
 * Told once, on the thread that hit it, when a store fails (see {@link StorageFailedException}). The server uses it
 * to stop the process; it must not block and must not call back into the store.
 */
@FunctionalInterface
public interface StorageFailureListener {
    StorageFailureListener NONE = failure -> {
    };

    void storageFailed(StorageFailedException failure);
}
