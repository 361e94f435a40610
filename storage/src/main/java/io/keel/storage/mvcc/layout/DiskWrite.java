package io.keel.storage.mvcc.layout;

import java.util.List;
import org.rocksdb.AbstractWriteBatch;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.FlushOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;

/**
 * The one place a batch reaches the disk. Tests replace it to make a write or an fsync fail the way a disk does;
 * the store must then stop and never retry (fault 13, fsyncgate).
 */
@FunctionalInterface
public interface DiskWrite {
    DiskWrite ROCKSDB = (db, options, batch) -> {
        if (batch instanceof WriteBatch plain) db.write(options, plain);
        else db.write(options, (WriteBatchWithIndex) batch);
    };

    /** Writes {@code batch}: a {@link WriteBatch} or a {@link WriteBatchWithIndex} (RocksDB writes either). */
    void write(RocksDB db, WriteOptions options, AbstractWriteBatch batch) throws RocksDBException;

    /** Syncs what earlier unsynced writes put in the WAL. */
    default void syncWal(RocksDB db) throws RocksDBException {
        db.syncWal();
    }

    /** Flushes the families' memtables to SST files (atomically: the database is opened with atomic flush). */
    default void flush(RocksDB db, FlushOptions options, List<ColumnFamilyHandle> families) throws RocksDBException {
        db.flush(options, families);
    }
}
