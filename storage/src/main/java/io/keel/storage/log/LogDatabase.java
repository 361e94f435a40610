package io.keel.storage.log;

import io.keel.storage.Compression;
import io.keel.storage.RocksLibrary;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteOptions;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The RocksDB instance under one log: its options, its column families ({@code log}: entries by index;
 * {@code meta}: identity, hard state, snapshot metadata) and the synced write options. Opening only; what is stored
 * where is {@link RocksLogStorage}'s business.
 */
final class LogDatabase implements AutoCloseable {
    static final byte[] LOG = "log".getBytes(StandardCharsets.US_ASCII);
    static final byte[] META = "meta".getBytes(StandardCharsets.US_ASCII);

    static {
        RocksLibrary.load(); // from a kept copy of the native library when the launcher set one up
    }

    final Path dir;
    final RocksDB db;
    final ColumnFamilyHandle log;
    final ColumnFamilyHandle meta;
    /** sync = true: a write returns only once its WAL record is on the disk (fdatasync). */
    final WriteOptions synced;
    private final ColumnFamilyHandle defaultFamily;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions familyOptions;

    private LogDatabase(Path dir, RocksDB db, List<ColumnFamilyHandle> handles, DBOptions dbOptions,
                        ColumnFamilyOptions familyOptions) {
        this.dir = dir;
        this.db = db;
        this.defaultFamily = handles.get(0);
        this.log = handles.get(1);
        this.meta = handles.get(2);
        this.dbOptions = dbOptions;
        this.familyOptions = familyOptions;
        this.synced = new WriteOptions().setSync(true);
    }

    /** Whether {@code dir} holds a RocksDB database at all (its CURRENT file names the live manifest). */
    static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve("CURRENT"));
    }

    /** Whether the database in {@code dir} has this package's column families. */
    static boolean hasLogFamilies(Path dir) throws RocksDBException {
        try (Options options = new Options()) {
            List<byte[]> families = RocksDB.listColumnFamilies(options, dir.toString());
            boolean log = false;
            boolean meta = false;
            for (byte[] f : families) {
                log |= Arrays.equals(f, LOG);
                meta |= Arrays.equals(f, META);
            }
            return log && meta;
        }
    }

    /** Opens the database in {@code dir}; with {@code create}, creates whatever is missing. */
    static LogDatabase open(Path dir, boolean create) throws RocksDBException {
        DBOptions dbOptions = new DBOptions()
                .setCreateIfMissing(create)
                .setCreateMissingColumnFamilies(create)
                // Torn tail (fault 11). A crash can leave the last WAL record half written; that record's write was
                // never acknowledged, because an acknowledgement follows the fsync that covers it. Tolerating a
                // corrupted *tail* drops exactly that and the member boots. kPointInTimeRecovery would also boot
                // after a bit flip in the *middle* of the WAL, silently rolling the member back past entries and
                // votes it had acknowledged (it could then vote twice in a term: two leaders). Here such damage
                // fails the open loudly instead (fault 12).
                .setWalRecoveryMode(WALRecoveryMode.TolerateCorruptedTailRecords)
                // One batch writes both families; flushing them together keeps their on-disk state from the same
                // point in the WAL.
                .setAtomicFlush(true)
                // Fail-stop (fault 13): no automatic resume after a background I/O error. A failed flush or WAL
                // write stops every later write, and the store stops the member.
                .setMaxBgErrorResumeCount(0)
                .setParanoidChecks(true)
                .setMaxBackgroundJobs(2)
                .setMaxTotalWalSize(64L << 20)
                .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
                .setKeepLogFileNum(4);
        ColumnFamilyOptions familyOptions = new ColumnFamilyOptions().setCompressionType(Compression.OF_FILES);
        List<ColumnFamilyDescriptor> descriptors = List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, familyOptions),
                new ColumnFamilyDescriptor(LOG, familyOptions),
                new ColumnFamilyDescriptor(META, familyOptions));
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
            return new LogDatabase(dir, db, handles, dbOptions, familyOptions);
        } catch (RocksDBException | RuntimeException e) {
            for (ColumnFamilyHandle h : handles) h.close();
            familyOptions.close();
            dbOptions.close();
            throw e;
        }
    }

    @Override
    public void close() {
        synced.close();
        log.close();
        meta.close();
        defaultFamily.close();
        db.close();
        familyOptions.close();
        dbOptions.close();
    }
}
