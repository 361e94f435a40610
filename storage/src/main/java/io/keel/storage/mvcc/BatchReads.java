package io.keel.storage.mvcc;

import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * Reads through the batch being applied: what the batch wrote, else what the database has. Lets one
 * transaction's range see its own earlier puts, and one entry of a batch see the entries before it, without
 * writing anything until the whole batch commits. Only the apply thread uses it.
 */
final class BatchReads implements Reads {
    private final Database db;
    private final WriteBatchWithIndex batch;
    private final ReadOptions readOptions;

    BatchReads(Database db, WriteBatchWithIndex batch, ReadOptions readOptions) {
        this.db = db;
        this.batch = batch;
        this.readOptions = readOptions;
    }

    @Override
    public byte[] get(Column column, byte[] key) {
        try {
            return batch.getFromBatchAndDB(db.rocks(), db.handle(column), readOptions, key);
        } catch (RocksDBException e) {
            throw new RocksFailure("reading column family " + column.cfName(), e);
        }
    }

    /** Do not change the batch while this iterator is open: RocksDB invalidates its position. */
    @Override
    public RocksIterator iterator(Column column) {
        return batch.newIteratorWithBase(db.handle(column), db.rocks().newIterator(db.handle(column), readOptions));
    }
}
