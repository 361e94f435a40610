package io.keel.storage.mvcc;

import org.rocksdb.RocksIterator;

/**
 * Counts the keys with a live version (column family CURRENT holds exactly those), for etcd's keys_total when a
 * store opens; applied operations move the count from then on ({@link StoreCounters}). etcd counts its in-memory
 * index the same way as it rebuilds it at start; here it is one pass over the keys, no value decoded.
 */
final class LiveKeys {
    private LiveKeys() {
    }

    static long count(Database db) {
        long n = 0;
        try (RocksIterator it = db.rocks().newIterator(db.handle(Column.CURRENT))) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                n++;
            }
            ReadSource.finish(it, Column.CURRENT);
        }
        return n;
    }
}
