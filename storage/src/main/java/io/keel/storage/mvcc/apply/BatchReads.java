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
 * Reads inside a write: what the entries applied so far wrote, else what the database has. Lets one transaction's
 * range see its own earlier puts, and one entry of a batch see the entries before it. Only the apply thread uses
 * it.
 *
 * <p>Where each read is served ({@link ApplyBatch} says why):
 * <ul>
 *   <li>a key's CURRENT record and a lease's LEASE record: the pending layer of {@link RecordCaches}, which holds
 *       every such record the batch wrote, then its committed layer, then the database (what the batch did not
 *       write, the database has as of the last write);</li>
 *   <li>anything else (iterations, other column families): the database when the batch is empty; through the
 *       indexed batch when the operation being applied writes into one; otherwise {@link ApplyBatch.NeedsIndex},
 *       and the store applies that operation again indexed.</li>
 * </ul>
 */
public final class BatchReads implements ReadSource {
    private final Database db;
    private final ApplyBatch batch;
    private final ReadOptions readOptions;
    private final RecordCaches caches;

    public BatchReads(Database db, ApplyBatch batch, ReadOptions readOptions) {
        this.db = db;
        this.batch = batch;
        this.readOptions = readOptions;
        this.caches = batch.caches();
    }

    @Override
    public byte[] get(Column column, byte[] key) {
        return read(column, key, false);
    }

    @Override
    public byte[] getLeading(Column column, byte[] key) {
        return read(column, key, true);
    }

    private byte[] read(Column column, byte[] key, boolean leadingEnough) {
        CurrentCache cache = caches.of(column);
        if (cache == null) return getUnderBatch(column, key);
        byte[] cached = leadingEnough ? cache.lookupLeading(key) : cache.lookup(key);
        if (cached != CurrentCache.MISS) return cached;
        // Not written by this batch (pending would know it): the database's record is the committed one.
        byte[] stored = getFromDatabase(column, key);
        cache.remember(key, stored);
        return stored;
    }

    private byte[] getUnderBatch(Column column, byte[] key) {
        WriteBatchWithIndex indexed = batch.indexedOrNull();
        try {
            if (indexed != null) return indexed.getFromBatchAndDB(db.rocks(), db.handle(column), readOptions, key);
        } catch (RocksDBException e) {
            throw new RocksFailure("reading column family " + column.cfName(), e);
        }
        requireDatabaseWhole(column);
        return getFromDatabase(column, key);
    }

    private byte[] getFromDatabase(Column column, byte[] key) {
        try {
            return db.rocks().get(db.handle(column), readOptions, key);
        } catch (RocksDBException e) {
            throw new RocksFailure("reading column family " + column.cfName(), e);
        }
    }

    /** Do not change the batch while this iterator is open: RocksDB invalidates its position in an indexed one. */
    @Override
    public RocksIterator iterator(Column column) {
        WriteBatchWithIndex indexed = batch.indexedOrNull();
        if (indexed == null) {
            requireDatabaseWhole(column);
            return db.rocks().newIterator(db.handle(column), readOptions);
        }
        return indexed.newIteratorWithBase(db.handle(column), db.rocks().newIterator(db.handle(column), readOptions));
    }

    /** The plain batch cannot be read: the database alone is right only while the batch holds nothing. */
    private void requireDatabaseWhole(Column column) {
        if (!batch.isEmpty()) throw new ApplyBatch.NeedsIndex(column);
    }
}
