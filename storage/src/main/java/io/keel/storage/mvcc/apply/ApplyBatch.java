package io.keel.storage.mvcc.apply;

import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.layout.Database;
import io.keel.storage.mvcc.layout.RocksFailure;
import org.rocksdb.AbstractWriteBatch;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBatchWithIndex;

/**
 * The writes of the entries being applied, on their way to the database, and the pending layer of the apply
 * thread's {@link RecordCaches} that follows them (every write goes through here, so that layer always knows every
 * CURRENT and LEASE record the batch holds).
 *
 * <p>Most operations write into a plain {@link WriteBatch}: appending a record is all it costs. The
 * {@link WriteBatchWithIndex} the store used before also inserted every record into a skip list of its own (three
 * inserts per put, besides the memtables') so that reads could see the batch; but nearly every read made while
 * applying is a point read of a key's CURRENT record or a lease's LEASE record, which the pending layer answers.
 * The other reads (an iteration: a range, a multi-key delete or compare, a compaction, a revoke's attached keys; or
 * a point read of another column family) need the database to hold what the batch wrote. {@link BatchReads} lets
 * them go to the database while this batch {@link #isEmpty() is empty}; otherwise it refuses them with
 * {@link NeedsIndex}, and the store writes the batch so far and applies that operation again into the indexed
 * batch, on its own ({@link #useIndex()}), where it reads its own writes as before.
 *
 * <p>Apply thread only; one save point at a time (the operation being applied).
 */
public final class ApplyBatch implements AutoCloseable {
    /**
     * A read the plain batch cannot serve while it holds writes. Thrown to the store, which takes the operation's
     * writes out ({@link #rollbackToSavePoint()}) and applies it again indexed; never seen by a caller.
     */
    public static final class NeedsIndex extends RuntimeException {
        NeedsIndex(Column column) {
            super("a read of column family " + column.cfName() + " needs the batch's writes indexed", null,
                    false, false);
        }
    }

    private final Database db;
    private final RecordCaches caches;
    private final WriteBatch plain = new WriteBatch();
    private final WriteBatchWithIndex indexed = new WriteBatchWithIndex(true);
    private AbstractWriteBatch active = plain;
    /** Records in the active batch, counted here rather than asked of RocksDB (a native call). */
    private int writes;
    private int writesAtSavePoint;

    public ApplyBatch(Database db, RecordCaches caches) {
        this.db = db;
        this.caches = caches;
    }

    /** The caches whose pending layer follows this batch. */
    RecordCaches caches() {
        return caches;
    }

    public void put(Column column, byte[] key, byte[] value) {
        try {
            active.put(db.handle(column), key, value);
        } catch (RocksDBException e) {
            throw new RocksFailure("adding to the write batch", e);
        }
        writes++;
        caches.wrote(column, key, value);
    }

    public void delete(Column column, byte[] key) {
        try {
            active.delete(db.handle(column), key);
        } catch (RocksDBException e) {
            throw new RocksFailure("adding to the write batch", e);
        }
        writes++;
        caches.wrote(column, key, null);
    }

    /** True when the batch holds no write: then the database holds everything applied so far. */
    public boolean isEmpty() {
        return writes == 0;
    }

    /** The indexed batch when the operation being applied writes into it, else null (reads go to the database). */
    WriteBatchWithIndex indexedOrNull() {
        return active == indexed ? indexed : null;
    }

    /** Until the next {@link #writeTo}, writes go into the indexed batch. Only on an empty batch. */
    public void useIndex() {
        if (!isEmpty()) throw new IllegalStateException("the batch holds " + writes + " writes");
        active = indexed;
    }

    /** Before one operation: its writes can be taken out again by {@link #rollbackToSavePoint()}. */
    public void setSavePoint() {
        active.setSavePoint();
        caches.setSavePoint();
        writesAtSavePoint = writes;
    }

    /** The operation's writes stay. */
    public void releaseSavePoint() {
        try {
            active.popSavePoint();
        } catch (RocksDBException e) {
            throw new RocksFailure("releasing a save point of the write batch", e);
        }
        caches.releaseSavePoint();
    }

    /** The operation was refused (or is applied again indexed): its writes leave the batch and the caches. */
    public void rollbackToSavePoint() {
        try {
            active.rollbackToSavePoint();
        } catch (RocksDBException e) {
            throw new RocksFailure("rolling the write batch back", e);
        }
        caches.rollBackToSavePoint();
        writes = writesAtSavePoint;
    }

    /**
     * Writes the batch (synced or not, as {@link Database#write} and {@link Database#writeUnsynced} say), then
     * empties it and moves its records into the caches' committed layer; the next writes go to the plain batch.
     */
    public void writeTo(boolean synced) throws RocksDBException {
        if (synced) db.write(active); else db.writeUnsynced(active);
        caches.batchCommitted();
        clearBatch();
    }

    /** The batch ends unwritten (or its write failed): its writes are dropped, and the caches forget their keys. */
    public void discard() {
        caches.batchDiscarded();
        clearBatch();
    }

    private void clearBatch() {
        active.clear();
        active = plain;
        writes = 0;
        writesAtSavePoint = 0;
    }

    @Override
    public void close() {
        plain.close();
        indexed.close();
    }
}
