package io.keel.storage.log;

import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The one place a batch reaches the disk. Tests replace it to make a write or an fsync fail the way a disk does;
 * the store must then stop (fault 13).
 */
@FunctionalInterface
interface SyncedWrite {
    SyncedWrite ROCKSDB = RocksDB::write;

    void write(RocksDB db, WriteOptions synced, WriteBatch batch) throws RocksDBException;
}
