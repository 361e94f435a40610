package io.keel.storage.mvcc;

/**
 * The store stopped: a write or read of RocksDB failed, or stored data is corrupt. It is fail-stop: nothing is
 * retried, every later call throws this, and the member must be restarted (and repaired from a peer's snapshot
 * if the data is corrupt).
 */
public class StoreFailedException extends RuntimeException {
    public StoreFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
