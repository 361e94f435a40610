package io.keel.storage.mvcc.layout;

import io.keel.storage.mvcc.MvccStore;
import org.rocksdb.RocksDBException;

/**
 * A RocksDB call failed. Internal and unchecked so deep read paths need no throws clauses; {@link MvccStore}
 * turns it into fail-stop at its entry points. Never caught to retry.
 */
public final class RocksFailure extends RuntimeException {
    public RocksFailure(String what, RocksDBException cause) {
        super(what + ": " + cause.getMessage(), cause);
    }
}
