package io.keel.storage.mvcc.layout;

import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Where a reader gets bytes from: a RocksDB snapshot (client reads) or the batch being applied layered over the
 * database (reads inside a write, which must see the operation's own earlier writes).
 */
public interface ReadSource {
    byte[] get(Column column, byte[] key);

    /**
     * As {@link #get}, for a caller that reads only the record's fixed leading fields: a source may answer with a
     * record that has them and an empty value ({@link CurrentRecord#leading}). Only CURRENT records have such a
     * form; for every other column, and by default, this is {@link #get}.
     */
    default byte[] getLeading(Column column, byte[] key) {
        return get(column, key);
    }

    /** An iterator the caller closes, after calling {@link #finish}. */
    RocksIterator iterator(Column column);

    /** An invalid iterator may mean the end or an error: RocksDB says which only through status(). */
    static void finish(RocksIterator it, Column column) {
        try {
            it.status();
        } catch (RocksDBException e) {
            throw new RocksFailure("iterating column family " + column.cfName(), e);
        }
    }
}
