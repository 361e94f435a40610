package io.keel.storage.mvcc.layout;

import io.keel.storage.mvcc.MvccStore;
import org.rocksdb.RocksDBException;

/**
 * A RocksDB call failed. Unchecked so deep read and apply paths need no throws clauses; {@link MvccStore} turns it
 * into fail-stop at its entry points. Never caught to retry.
 *
 * <p>Not a second fail-stop stack: it only carries a failure up to {@code MvccStore.guarded}, which hands it to the
 * store's {@link io.keel.storage.failure.FailStop} as a {@link io.keel.storage.failure.StorageFailedException}, the
 * same failed state, exception and listener the Raft log uses (the log's RocksDB calls throw the checked
 * RocksDBException to its own entry points instead). Public only because the store's other packages throw it.
 */
public final class RocksFailure extends RuntimeException {
    public RocksFailure(String what, RocksDBException cause) {
        super(what + ": " + cause.getMessage(), cause);
    }
}
