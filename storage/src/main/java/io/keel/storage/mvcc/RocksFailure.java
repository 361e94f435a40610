package io.keel.storage.mvcc;

import org.rocksdb.RocksDBException;

/**
 * A RocksDB call failed. Internal and unchecked so deep read paths need no throws clauses; {@link MvccStore}
 * turns it into fail-stop at its entry points. Never caught to retry.
 */
final class RocksFailure extends RuntimeException {
    RocksFailure(String what, RocksDBException cause) {
        super(what + ": " + cause.getMessage(), cause);
    }
}
