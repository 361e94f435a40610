package io.keel.storage.mvcc.apply;

import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.layout.Database;
import io.keel.storage.mvcc.layout.ReadSource;
import io.keel.storage.mvcc.layout.RocksFailure;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * Reads through the batch being applied: what the batch wrote, else what the database has. Lets one
 * transaction's range see its own earlier puts, and one entry of a batch see the entries before it, without
 * writing anything until the whole batch commits. Only the apply thread uses it.
 *
 * <p>Keys' CURRENT records and leases' LEASE records are looked up in {@link RecordCaches} first, which the batch's
 * writes keep up to date.
 */
public final class BatchReads implements ReadSource {
    private final Database db;
    private final WriteBatchWithIndex batch;
    private final ReadOptions readOptions;
    private final RecordCaches caches;

    public BatchReads(Database db, WriteBatchWithIndex batch, ReadOptions readOptions, RecordCaches caches) {
        this.db = db;
        this.batch = batch;
        this.readOptions = readOptions;
        this.caches = caches;
    }

    /** The caches every write in this batch must be told of ({@link RevisionWriter}). */
    RecordCaches caches() {
        return caches;
    }

    @Override
    public byte[] get(Column column, byte[] key) {
        CurrentCache cache = caches.of(column);
        if (cache == null) return getFromBatchAndDatabase(column, key);
        byte[] cached = cache.lookup(key);
        if (cached != CurrentCache.MISS) return cached;
        // Not written by this batch (pending would know it): the database's record is the committed one.
        byte[] stored = getFromBatchAndDatabase(column, key);
        cache.remember(key, stored);
        return stored;
    }

    private byte[] getFromBatchAndDatabase(Column column, byte[] key) {
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
