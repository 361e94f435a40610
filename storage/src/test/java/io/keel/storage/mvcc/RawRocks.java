package io.keel.storage.mvcc;

import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.layout.Database;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/** A closed store's RocksDB opened directly, to look at or tamper with what is stored. */
final class RawRocks implements AutoCloseable {
    private final ColumnFamilyOptions cf = new ColumnFamilyOptions();
    private final DBOptions options = new DBOptions();
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private final RocksDB db;

    RawRocks(Path storeDir) throws RocksDBException {
        db = RocksDB.open(options, MvccStore.databaseDir(storeDir).toString(), Database.descriptors(cf), handles);
    }

    private ColumnFamilyHandle handle(Column c) {
        return handles.get(c.ordinal() + 1);
    }

    List<byte[]> keys(Column c) {
        List<byte[]> keys = new ArrayList<>();
        try (RocksIterator it = db.newIterator(handle(c))) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                keys.add(it.key());
            }
        }
        return keys;
    }

    byte[] get(Column c, byte[] key) throws RocksDBException {
        return db.get(handle(c), key);
    }

    void put(Column c, byte[] key, byte[] value) throws RocksDBException {
        db.put(handle(c), key, value);
    }

    void delete(Column c, byte[] key) throws RocksDBException {
        db.delete(handle(c), key);
    }

    /** Flips the bits of one byte of a stored value, keeping RocksDB's own checksums valid. */
    void flipByte(Column c, byte[] key, int fromEnd) throws RocksDBException {
        byte[] v = get(c, key);
        v[v.length - 1 - fromEnd] ^= (byte) 0xff;
        put(c, key, v);
    }

    @Override
    public void close() {
        handles.forEach(ColumnFamilyHandle::close);
        db.close();
        options.close();
        cf.close();
    }
}
