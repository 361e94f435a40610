package io.keel.storage.mvcc;

import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.layout.Database;
import io.keel.storage.mvcc.layout.ReadSource;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;

/**
 * Counts the keys with a live version (column family CURRENT holds exactly those), for etcd's keys_total when a
 * store opens; applied operations move the count from then on ({@link StoreCounters}). etcd counts its in-memory
 * index the same way as it rebuilds it at start; here it is one pass over the keys, no value decoded.
 *
 * <p>The pass does not verify block checksums and does not fill the block cache: it only counts, and a damaged block
 * must fail the store when a read of its data meets it (fail-stop, with the listener told), not make the store
 * refuse to open on a metric's behalf. Its cost grows with the number of live keys (one sequential scan at open).
 */
final class LiveKeys {
    private LiveKeys() {
    }

    static long count(Database db) {
        long n = 0;
        try (ReadOptions countOnly = new ReadOptions().setVerifyChecksums(false).setFillCache(false);
             RocksIterator it = db.rocks().newIterator(db.handle(Column.CURRENT), countOnly)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                n++;
            }
            ReadSource.finish(it, Column.CURRENT);
        }
        return n;
    }
}
