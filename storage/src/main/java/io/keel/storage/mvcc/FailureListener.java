package io.keel.storage.mvcc;

/** Told once, on the thread that hit it, when the store stops (fail-stop); the server should step down and exit. */
@FunctionalInterface
public interface FailureListener {
    void storeFailed(StoreFailedException cause);
}
