package io.keel.storage.mvcc.read;

import io.keel.storage.mvcc.api.CorruptionException;
import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.layout.Database;
import io.keel.storage.mvcc.layout.ReadSource;
import io.keel.storage.mvcc.layout.RocksFailure;
import io.keel.storage.mvcc.layout.StoreState;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;

/**
 * Reads at one RocksDB snapshot, so a range and the revision in its header come from the same instant even
 * while writes are applied (a client that watches from header revision + 1 must miss nothing).
 */
public final class SnapshotReads implements ReadSource, AutoCloseable {
    private final Database db;
    private final Snapshot snapshot;
    private final ReadOptions readOptions;

    public SnapshotReads(Database db) {
        this.db = db;
        this.snapshot = db.rocks().getSnapshot();
        this.readOptions = db.borrowReadOptions();
        readOptions.setSnapshot(snapshot);
    }

    /** The store's state at this snapshot. */
    StoreState state() {
        byte[] b = get(Column.META, StoreState.KEY);
        if (b == null) {
            throw new CorruptionException("corrupt store: column family 'meta' has no store state record");
        }
        return StoreState.decode(b);
    }

    public RevisionReader reader() {
        StoreState s = state();
        return new RevisionReader(this, s.revision(), s.compactRevision());
    }

    @Override
    public byte[] get(Column column, byte[] key) {
        try {
            return db.rocks().get(db.handle(column), readOptions, key);
        } catch (RocksDBException e) {
            throw new RocksFailure("reading column family " + column.cfName(), e);
        }
    }

    @Override
    public RocksIterator iterator(Column column) {
        return db.rocks().newIterator(db.handle(column), readOptions);
    }

    @Override
    public void close() {
        db.returnReadOptions(readOptions);
        db.rocks().releaseSnapshot(snapshot);
    }
}
