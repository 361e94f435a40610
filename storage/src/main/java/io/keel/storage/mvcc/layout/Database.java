package io.keel.storage.mvcc.layout;

import io.keel.storage.Compression;
import io.keel.storage.RocksLibrary;
import io.keel.storage.mvcc.MvccOptions;
import io.keel.storage.mvcc.api.CorruptionException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.rocksdb.AbstractWriteBatch;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Env;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.SstFileManager;
import org.rocksdb.WriteOptions;

/**
 * The store's own RocksDB instance: its column families, options, durable writes and pooled read options.
 *
 * <p>Two ways to be durable. With a write-ahead log (a store that syncs every apply) a write is durable once the
 * WAL is fsynced. Without one (a member's store, whose Raft log is the durable record) writes live in the memtables
 * until a flush writes them to SST files: every flush, ours or RocksDB's own when a memtable fills, is an atomic
 * flush of every column family, so the files on disk always hold whole batches, META included, and after a crash
 * the store is exactly the result of entries 1..appliedIndex for the applied index it reopens at.
 */
public final class Database implements AutoCloseable {
    static {
        RocksLibrary.load(); // from a kept copy of the native library when the launcher set one up
    }

    private final RocksDB rocks;
    private final EnumMap<Column, ColumnFamilyHandle> handles;
    private final List<ColumnFamilyHandle> allHandles;
    private final WriteOptions syncWrites;
    private final WriteOptions unsyncedWrites;
    /** False for a store without a write-ahead log: then {@link #makeDurable()} is an atomic flush. */
    private final boolean walEnabled;
    private final FlushOptions waitedFlush;
    private final DiskWrite diskWrite;
    /** Owned native option objects, closed after the database. */
    private final List<AutoCloseable> owned;
    /** ReadOptions are native objects; reads borrow one instead of allocating (and freeing) one each time. */
    private final ConcurrentLinkedQueue<ReadOptions> readOptionsPool = new ConcurrentLinkedQueue<>();

    private Database(RocksDB rocks, List<ColumnFamilyHandle> allHandles, WriteOptions syncWrites, boolean walEnabled,
                     DiskWrite diskWrite, List<AutoCloseable> owned) {
        this.rocks = rocks;
        this.allHandles = allHandles;
        this.syncWrites = syncWrites;
        this.walEnabled = walEnabled;
        this.unsyncedWrites = own(owned, new WriteOptions().setSync(false).setDisableWAL(!walEnabled));
        this.waitedFlush = own(owned, new FlushOptions().setWaitForFlush(true));
        this.diskWrite = diskWrite;
        this.owned = owned;
        this.handles = new EnumMap<>(Column.class);
        for (Column c : Column.values()) {
            handles.put(c, allHandles.get(c.ordinal() + 1));
        }
    }

    public static Database open(Path dir, MvccOptions options, DiskWrite diskWrite) throws RocksDBException {
        List<AutoCloseable> owned = new ArrayList<>();
        try {
            LRUCache cache = own(owned, new LRUCache(options.blockCacheBytes()));
            BloomFilter bloom = own(owned, new BloomFilter(10));
            ColumnFamilyOptions cf = own(owned, new ColumnFamilyOptions()
                    .setWriteBufferSize(options.writeBufferBytes())
                    .setCompressionType(Compression.OF_FILES)
                    // Point reads of CURRENT and META are the hot path: a bloom filter skips files without the key.
                    .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(bloom)));
            DBOptions db = own(owned, new DBOptions()
                    .setCreateIfMissing(true)
                    .setCreateMissingColumnFamilies(true)
                    .setParanoidChecks(true)
                    // Every flush takes all column families at one point between two batches: without a WAL
                    // this is what keeps META from reaching the disk ahead of (or behind) the data it describes.
                    .setAtomicFlush(true)
                    .setKeepLogFileNum(4));
            if (options.maxDiskBytes() > 0) {
                SstFileManager files = own(owned, new SstFileManager(Env.getDefault()));
                files.setMaxAllowedSpaceUsage(options.maxDiskBytes());
                db.setSstFileManager(files);
            }
            WriteOptions syncWrites = own(owned, new WriteOptions().setSync(true));
            List<ColumnFamilyHandle> handles = new ArrayList<>();
            RocksDB rocks = RocksDB.open(db, dir.toString(), descriptors(cf), handles);
            // A store that is not synced on every apply is rebuilt from the Raft log after a crash: it needs no
            // WAL of its own (a data directory written with one has it replayed and flushed by this open).
            return new Database(rocks, handles, syncWrites, options.syncEveryApply(), diskWrite, owned);
        } catch (RocksDBException | RuntimeException e) {
            closeAll(owned);
            throw e;
        }
    }

    /** The default column family first (RocksDB requires it), then {@link Column} in declaration order. */
    public static List<ColumnFamilyDescriptor> descriptors(ColumnFamilyOptions cf) {
        List<ColumnFamilyDescriptor> d = new ArrayList<>();
        d.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cf));
        for (Column c : Column.values()) {
            d.add(new ColumnFamilyDescriptor(c.nameBytes(), cf));
        }
        return d;
    }

    /**
     * Opens a database directory read-only, verifies every block checksum of its files and returns its state:
     * how an imported snapshot is checked before a store is opened on it.
     */
    public static StoreState verify(Path dir) throws RocksDBException {
        try (ColumnFamilyOptions cf = new ColumnFamilyOptions(); DBOptions db = new DBOptions()) {
            List<ColumnFamilyHandle> handles = new ArrayList<>();
            try (RocksDB rocks = RocksDB.openReadOnly(db, dir.toString(), descriptors(cf), handles)) {
                try {
                    rocks.verifyChecksum();
                    byte[] state = rocks.get(handles.get(Column.META.ordinal() + 1), StoreState.KEY);
                    if (state == null) {
                        throw new CorruptionException("snapshot at " + dir + " has no store state record");
                    }
                    return StoreState.decode(state);
                } finally {
                    handles.forEach(ColumnFamilyHandle::close);
                }
            }
        }
    }

    public RocksDB rocks() {
        return rocks;
    }

    public ColumnFamilyHandle handle(Column c) {
        return handles.get(c);
    }

    /** Writes the batch and makes it durable before returning. */
    public void write(AbstractWriteBatch batch) throws RocksDBException {
        if (walEnabled) {
            diskWrite.write(rocks, syncWrites, batch);
        } else {
            diskWrite.write(rocks, unsyncedWrites, batch);
            flushAll();
        }
    }

    /**
     * Writes the batch without making it durable: to the WAL unsynced, or only to the memtables when there is no
     * WAL. Durable only after {@link #makeDurable()} (or a flush RocksDB starts itself).
     */
    public void writeUnsynced(AbstractWriteBatch batch) throws RocksDBException {
        diskWrite.write(rocks, unsyncedWrites, batch);
    }

    /** Makes every write so far durable: fsyncs the WAL, or without one flushes every column family at once. */
    public void makeDurable() throws RocksDBException {
        if (walEnabled) {
            diskWrite.syncWal(rocks);
        } else {
            flushAll();
        }
    }

    /** True when writes go through a write-ahead log (the store syncs every apply). */
    public boolean walEnabled() {
        return walEnabled;
    }

    /** One atomic flush of every column family; returns once the files are written and in the MANIFEST. */
    public void flushAll() throws RocksDBException {
        diskWrite.flush(rocks, waitedFlush, allHandles);
    }

    public ReadOptions borrowReadOptions() {
        ReadOptions ro = readOptionsPool.poll();
        return ro != null ? ro : new ReadOptions();
    }

    public void returnReadOptions(ReadOptions ro) {
        ro.setSnapshot(null);
        readOptionsPool.offer(ro);
    }

    /** A consistent image of every column family in {@code target} (hard links to immutable files). */
    public void checkpoint(Path target) throws RocksDBException {
        if (!walEnabled) {
            // RocksDB flushes before a checkpoint too; ours says so, and goes through diskWrite like every flush.
            flushAll();
        }
        try (Checkpoint cp = Checkpoint.create(rocks)) {
            cp.createCheckpoint(target.toString());
        }
    }

    @Override
    public void close() {
        allHandles.forEach(ColumnFamilyHandle::close);
        rocks.close();
        ReadOptions ro;
        while ((ro = readOptionsPool.poll()) != null) {
            ro.close();
        }
        closeAll(owned);
    }

    private static <T extends AutoCloseable> T own(List<AutoCloseable> owned, T resource) {
        owned.add(resource);
        return resource;
    }

    private static void closeAll(List<AutoCloseable> owned) {
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception ignored) {
                // Native option objects do not fail to close; nothing useful to do if one did.
            }
        }
    }
}
