package io.keel.storage.mvcc;

import io.keel.storage.failure.FailStop;
import io.keel.storage.failure.StorageFailedException;
import io.keel.storage.mvcc.api.AlarmMember;
import io.keel.storage.mvcc.api.AlreadyApplied;
import io.keel.storage.mvcc.api.ApplyResult;
import io.keel.storage.mvcc.api.AuthRecordWrite;
import io.keel.storage.mvcc.api.ChangeBatch;
import io.keel.storage.mvcc.api.ClusterRecordWrite;
import io.keel.storage.mvcc.api.CompactRequest;
import io.keel.storage.mvcc.api.CorruptionException;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.KeyspaceHash;
import io.keel.storage.mvcc.api.LeaseInfo;
import io.keel.storage.mvcc.api.LeaseTimes;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.RangeResponse;
import io.keel.storage.mvcc.api.RequestChecks;
import io.keel.storage.mvcc.api.Response;
import io.keel.storage.mvcc.api.RevisionCompactedException;
import io.keel.storage.mvcc.api.TxnRequest;
import io.keel.storage.mvcc.api.TxnResponse;
import io.keel.storage.mvcc.apply.ApplyBatch;
import io.keel.storage.mvcc.apply.Applier;
import io.keel.storage.mvcc.apply.BatchReads;
import io.keel.storage.mvcc.apply.RecordCaches;
import io.keel.storage.mvcc.apply.Transaction;
import io.keel.storage.mvcc.layout.AlarmRecord;
import io.keel.storage.mvcc.layout.AuthRecord;
import io.keel.storage.mvcc.layout.ClusterRecord;
import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.layout.Database;
import io.keel.storage.mvcc.layout.DiskWrite;
import io.keel.storage.mvcc.layout.Layout;
import io.keel.storage.mvcc.layout.LeaseRecords;
import io.keel.storage.mvcc.layout.LiveKeyCount;
import io.keel.storage.mvcc.layout.ReadSource;
import io.keel.storage.mvcc.layout.RocksFailure;
import io.keel.storage.mvcc.layout.StoreState;
import io.keel.storage.mvcc.read.ChangeFeed;
import io.keel.storage.mvcc.read.KeyspaceHasher;
import io.keel.storage.mvcc.read.RangeQuery;
import io.keel.storage.mvcc.read.SnapshotReads;
import io.keel.storage.mvcc.snapshot.SnapshotExport;
import io.keel.storage.mvcc.snapshot.Snapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * Keel's state machine: an MVCC key-value store with etcd v3 semantics on its own RocksDB instance.
 *
 * <p>Writes come only through {@link #apply}/{@link #applyAll}, one Raft entry at a time in index order, from one
 * thread. Each RocksDB write holds whole entries and the new applied index together (a call is one write, or a few
 * when an entry must read what the call's batch holds: see {@code applyEntry}), so after a crash the store is
 * exactly the result of entries 1..appliedIndex: replaying an entry at or below it is a no-op, and skipping one is
 * refused. By default each call's last write is synced (the write-ahead log's fsync covers the ones before it); a
 * store opened without {@link MvccOptions#syncEveryApply()} has no write-ahead log and is durable at each
 * {@link #sync()} (an atomic flush of every column family), reopening after a crash at the applied index of the last
 * flush. Reads ({@link #range}, {@link #changesSince}, ...) may come from any thread; each reads one RocksDB
 * snapshot, so data and header revision agree.
 *
 * <p>Fail-stop: when RocksDB fails a read or write, or stored bytes fail their checksum, the store stops. The
 * failure listener is told once, and every later call throws {@link StorageFailedException}. Nothing is retried:
 * after a failed fsync the state of the file is unknown (fsyncgate).
 *
 * <p>Directory layout: {@code db/} (RocksDB) and {@code snapshots/} (the latest exported snapshot).
 */
public final class MvccStore implements AutoCloseable {
    private static final String DATABASE = "db";
    private static final String SNAPSHOTS = "snapshots";

    private final Path dir;
    private final MvccOptions options;
    private final Database db;
    /** Reads and applies hold it shared; close holds it exclusively, so nothing touches a closed RocksDB. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final Object applyLock = new Object();
    /** Reused for every apply (guarded by applyLock): cleared, never reallocated. */
    private final ApplyBatch batch;
    private final ReadOptions applyReadOptions = new ReadOptions();
    private final BatchReads batchReads;
    private volatile StoreState state;
    /** Keys with a live version as of the applied index (guarded by applyLock; in META as {@link LiveKeyCount}). */
    private long liveKeys;
    /** The raised alarms as of the applied index (read on every write's check: kept here, not read from disk). */
    private volatile List<AlarmMember> alarms;
    private final FailStop failStop;
    private boolean closed;

    private MvccStore(Path dir, MvccOptions options, Database db, StoreState state, long liveKeys) {
        this.dir = dir;
        this.liveKeys = liveKeys;
        this.options = options;
        this.db = db;
        this.state = state;
        // The apply thread's caches of keys' current records and of leases, kept in step by the batch.
        this.batch = new ApplyBatch(db, new RecordCaches(options.currentCacheBytes()));
        this.batchReads = new BatchReads(db, batch, applyReadOptions);
        this.failStop = new FailStop(options.failureListener());
        this.alarms = read(AlarmRecord::read);
    }

    public static MvccStore open(Path dir) {
        return open(dir, MvccOptions.defaults());
    }

    public static MvccStore open(Path dir, MvccOptions options) {
        return open(dir, options, DiskWrite.ROCKSDB);
    }

    /** With the disk write replaced: for tests that make a write fail the way a disk does. */
    static MvccStore open(Path dir, MvccOptions options, DiskWrite diskWrite) {
        Database db;
        try {
            Files.createDirectories(dir);
            Snapshots.removeIncomplete(dir.resolve(SNAPSHOTS));
            db = Database.open(databaseDir(dir), options, diskWrite);
        } catch (IOException e) {
            throw new UncheckedIOException("opening the store in " + dir, e);
        } catch (RocksDBException e) {
            throw new StorageFailedException("cannot open the store's RocksDB in " + databaseDir(dir) + ": "
                    + e.getMessage(), e);
        }
        try {
            StoreState state = initialState(db);
            long liveKeys = LiveKeyCount.decode(db.rocks().get(db.handle(Column.META), LiveKeyCount.KEY),
                    state.appliedIndex());
            if (liveKeys == LiveKeyCount.UNKNOWN) {
                // Written by a release that did not record the count (or applied entries without updating it):
                // counted here, recorded by the next apply.
                liveKeys = LiveKeys.count(db);
            }
            MvccStore store = new MvccStore(dir, options, db, state, liveKeys);
            options.counters().opened(liveKeys);
            return store;
        } catch (RocksDBException | RuntimeException e) {
            db.close();
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new StorageFailedException("cannot read the store state in " + dir + ": " + e.getMessage(), e);
        }
    }

    public static Path databaseDir(Path storeDir) {
        return storeDir.resolve(DATABASE);
    }

    private static StoreState initialState(Database db) throws RocksDBException {
        byte[] meta = db.rocks().get(db.handle(Column.META), StoreState.KEY);
        if (meta != null) {
            return StoreState.decode(meta);
        }
        try (RocksIterator it = db.rocks().newIterator(db.handle(Column.HISTORY))) {
            it.seekToFirst();
            if (it.isValid()) {
                throw new CorruptionException("corrupt store: column family 'history' has data but 'meta' has "
                        + "no store state record");
            }
            it.status();
        }
        try (WriteBatch first = new WriteBatch()) {
            first.put(db.handle(Column.META), StoreState.KEY, StoreState.EMPTY.encode());
            db.write(first);
        }
        return StoreState.EMPTY;
    }

    /**
     * Applies Raft entry {@code raftIndex}. Returns {@link AlreadyApplied} for an index at or below the applied
     * one. Throws {@link MvccException} when etcd would refuse the operation; the entry still counts as applied
     * (it changed nothing, and replaying it would refuse it again).
     */
    public Response apply(long raftIndex, Operation op) {
        ApplyResult r = applyAll(raftIndex, List.of(op)).get(0);
        if (r.refused()) {
            throw r.error();
        }
        return r.response();
    }

    /**
     * Applies consecutive entries {@code firstIndex, firstIndex + 1, ...} in one write (synced unless the options
     * say otherwise: then {@link #sync()} makes it durable), each entry seeing the ones before it; an entry that
     * must read what the batch holds beyond the caches is written on its own between the entries before and after
     * it. One result per entry, refusals included. Each write holds whole entries and their applied index, so after
     * any crash the store is whole at some applied index.
     */
    public List<ApplyResult> applyAll(long firstIndex, List<? extends Operation> ops) {
        if (firstIndex < 1) {
            throw new IllegalArgumentException("Raft indexes start at 1, got " + firstIndex);
        }
        return guarded(() -> {
            synchronized (applyLock) {
                return applyLocked(firstIndex, ops);
            }
        });
    }

    private List<ApplyResult> applyLocked(long firstIndex, List<? extends Operation> ops) {
        StoreState before = state;
        if (firstIndex > before.appliedIndex() + 1) {
            throw new IllegalStateException("entry " + (before.appliedIndex() + 1) + " would be skipped: asked to "
                    + "apply " + firstIndex + " with " + before.appliedIndex() + " applied");
        }
        List<ApplyResult> results = new ArrayList<>(ops.size());
        Applier applier = new Applier(batch, batchReads, before, liveKeys, alarms, options.counters());
        long lastIndex = firstIndex + ops.size() - 1;
        try {
            for (int i = 0; i < ops.size(); i++) {
                long index = firstIndex + i;
                if (index <= before.appliedIndex()) {
                    results.add(new ApplyResult(index, new AlreadyApplied(index, before.appliedIndex(),
                            before.revision()), null));
                    continue;
                }
                results.add(applyEntry(applier, index, ops.get(i)));
            }
            if (lastIndex > before.appliedIndex()) {
                writeThrough(applier, lastIndex, options.syncEveryApply());
            }
            return results;
        } catch (RocksDBException e) {
            throw new RocksFailure("applying entries " + firstIndex + ".." + lastIndex, e);
        } finally {
            batch.discard(); // empty after a write; after a failure, the caches forget what it touched
        }
    }

    /**
     * Applies one entry into the plain batch; if it needs to read what the batch holds in a way only an indexed
     * batch can serve ({@link ApplyBatch.NeedsIndex}: an iteration, say a transaction's range after its own puts),
     * its writes are taken out, the entries before it are written (with META at the one before it), and it is
     * applied again on its own into the indexed batch, written at once. Each write holds whole entries and the
     * META record saying which, so after a crash the store is still exactly entries 1..appliedIndex; it just may
     * stop inside a call's entries rather than at their end. Nothing is acknowledged by these writes: the caller
     * answers after the call, whose last write is synced when the store syncs every apply.
     */
    private ApplyResult applyEntry(Applier applier, long index, Operation op) throws RocksDBException {
        long revision = applier.revision();
        long compactRevision = applier.compactRevision();
        try {
            return applyToBatch(applier, index, op);
        } catch (ApplyBatch.NeedsIndex unindexed) {
            applier.restore(revision, compactRevision);
            // Empty when only the entry's own writes were in it: the entries before it since the last write then
            // wrote nothing (refused, or no-ops), and META may stay behind them (applying them again changes nothing).
            if (!batch.isEmpty()) writeThrough(applier, index - 1, false);
            batch.useIndex();
            ApplyResult result = applyToBatch(applier, index, op);
            writeThrough(applier, index, false);
            return result;
        }
    }

    /** One operation, rolled back to its save point if it is refused (or must be applied again indexed). */
    private ApplyResult applyToBatch(Applier applier, long index, Operation op) {
        batch.setSavePoint();
        try {
            Response response = applier.apply(index, op);
            batch.releaseSavePoint();
            return new ApplyResult(index, response, null);
        } catch (MvccException refused) {
            batch.rollbackToSavePoint();
            return new ApplyResult(index, null, refused);
        } catch (ApplyBatch.NeedsIndex unindexed) {
            batch.rollbackToSavePoint();
            throw unindexed;
        }
    }

    /**
     * Writes the batch with the state after entry {@code index} in META, in one atomic write: data and applied
     * index together, as every write of this store.
     */
    private void writeThrough(Applier applier, long index, boolean synced) throws RocksDBException {
        StoreState after = new StoreState(index, applier.revision(), applier.compactRevision());
        batch.put(Column.META, StoreState.KEY, after.encode());
        batch.put(Column.META, LiveKeyCount.KEY, LiveKeyCount.encode(index, applier.liveKeys()));
        batch.writeTo(synced);
        state = after;
        liveKeys = applier.liveKeys();
        List<AlarmMember> changedAlarms = applier.changedAlarms();
        if (changedAlarms != null) alarms = changedAlarms;
    }

    /** A range at the current or a past revision (a serializable read; the server orders linearizable ones). */
    public RangeResponse range(RangeRequest r) {
        RequestChecks.range(r);
        RangeResponse answer = read(reads -> RangeQuery.execute(reads.reader(), r));
        options.counters().rangeServed();
        return answer;
    }

    /** A transaction that only reads, answered from a snapshot without a Raft entry. */
    public TxnResponse readTxn(TxnRequest t) {
        RequestChecks.txn(t);
        StoreCounters.Tally tally = new StoreCounters.Tally();
        TxnResponse answer = read(reads -> Transaction.read(reads.reader(), t, tally));
        tally.addTo(options.counters());
        return answer;
    }

    /** Every change to {@code [key, rangeEnd)} (etcd's range conventions) from {@code fromRevision} on. */
    public ChangeBatch changesSince(long fromRevision, byte[] key, byte[] rangeEnd) {
        return changesSince(fromRevision, new KeyRange(key, rangeEnd), false, Integer.MAX_VALUE);
    }

    /**
     * Changes to {@code range} from {@code fromRevision} on (0 or less: from the next revision), at most about
     * {@code maxEvents} (a revision is never split); with the previous version of each key if asked. Throws
     * {@link RevisionCompactedException} below the compacted revision.
     */
    public ChangeBatch changesSince(long fromRevision, KeyRange range, boolean withPrevKv, int maxEvents) {
        return read(reads -> ChangeFeed.read(reads, fromRevision, range, withPrevKv, maxEvents));
    }

    /** etcd's LeaseTimeToLive, minus the remaining time (the leader's clock): empty if there is no such lease. */
    public Optional<LeaseInfo> lease(long id) {
        return read(reads -> {
            OptionalLong ttl = Applier.leaseTtl(reads, id);
            return ttl.isEmpty() ? Optional.empty()
                    : Optional.of(new LeaseInfo(id, ttl.getAsLong(), Applier.attachedKeys(reads, id)));
        });
    }

    /** Every lease id (etcd's LeaseLeases). */
    public List<Long> leases() {
        return read(reads -> {
            List<Long> ids = new ArrayList<>();
            try (RocksIterator it = reads.iterator(Column.LEASE)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    byte[] key = it.key();
                    LeaseRecords.ttl(key, it.value());
                    ids.add(Layout.getLong(key, 0));
                }
                ReadSource.finish(it, Column.LEASE);
            }
            return ids;
        });
    }

    /**
     * Every lease, its granted TTL in seconds and its checkpointed remaining time (what a new leader restarts its
     * deadlines from).
     */
    public Map<Long, LeaseTimes> leaseTimes() {
        return read(reads -> {
            Map<Long, LeaseTimes> times = new LinkedHashMap<>();
            try (RocksIterator it = reads.iterator(Column.LEASE)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    byte[] key = it.key();
                    byte[] v = it.value();
                    times.put(Layout.getLong(key, 0), new LeaseTimes(LeaseRecords.ttl(key, v),
                            LeaseRecords.remainingMillis(key, v)));
                }
                ReadSource.finish(it, Column.LEASE);
            }
            return times;
        });
    }

    /** Every lease and its granted TTL in seconds. */
    public Map<Long, Long> leaseTtls() {
        return read(reads -> {
            Map<Long, Long> ttls = new LinkedHashMap<>();
            try (RocksIterator it = reads.iterator(Column.LEASE)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    byte[] key = it.key();
                    ttls.put(Layout.getLong(key, 0), LeaseRecords.ttl(key, it.value()));
                }
                ReadSource.finish(it, Column.LEASE);
            }
            return ttls;
        });
    }

    /**
     * The server's cluster record as of the applied index (the last {@link ClusterRecordWrite}), or null if none
     * was ever written.
     */
    public byte[] clusterRecord() {
        return read(ClusterRecord::read);
    }

    /** The raised alarms as of the applied index, sorted by member and type (etcd's alarm list). */
    public List<AlarmMember> alarms() {
        return alarms;
    }

    /**
     * The bytes the store takes, as RocksDB reports them cheaply (no file system walk): the live SST files of every
     * column family plus their memtables. Files RocksDB has made obsolete but not yet deleted, the write-ahead log
     * and exported snapshots are not counted. This is what the space quota is checked against (etcd checks its
     * bbolt file's size); it shrinks when a compaction's deletions are compacted away by RocksDB, which
     * {@link #defragment()} forces.
     */
    public long spaceUsed() {
        return guarded(() -> {
            try {
                long bytes = 0;
                for (Column c : Column.values()) {
                    bytes += db.rocks().getLongProperty(db.handle(c), "rocksdb.live-sst-files-size");
                    bytes += db.rocks().getLongProperty(db.handle(c), "rocksdb.cur-size-all-mem-tables");
                }
                return bytes;
            } catch (RocksDBException e) {
                throw new RocksFailure("reading the store's size", e);
            }
        });
    }

    /**
     * etcd's defragmentation, done the RocksDB way: flushes every column family's memtable and compacts all of its
     * files into new ones, dropping what deletions and {@link CompactRequest compactions} left behind, so
     * {@link #spaceUsed()} falls to about the live data. Reads go on meanwhile. Applies go on too when the store
     * has a write-ahead log; without one they wait until it is done (as etcd's do during its defragmentation),
     * because a compaction may flush its own column family's memtable alone, and a column family flushed ahead of
     * META would be applied twice after a crash. It returns once the compaction is done.
     */
    public void defragment() {
        guarded(() -> {
            if (db.walEnabled()) {
                return compactEveryFamily();
            }
            synchronized (applyLock) {
                return compactEveryFamily();
            }
        });
    }

    private Void compactEveryFamily() {
        try (org.rocksdb.CompactRangeOptions all = new org.rocksdb.CompactRangeOptions()
                .setBottommostLevelCompaction(org.rocksdb.CompactRangeOptions.BottommostLevelCompaction.kForce)) {
            db.flushAll();
            for (Column c : Column.values()) {
                db.rocks().compactRange(db.handle(c), null, null, all);
            }
            return null;
        } catch (RocksDBException e) {
            throw new RocksFailure("defragmenting the store", e);
        }
    }

    /**
     * The server's auth record as of the applied index (the last {@link AuthRecordWrite}), or null if none was
     * ever written.
     */
    public byte[] authRecord() {
        return read(AuthRecord::read);
    }

    /** etcd's HashKV at the current revision. */
    public KeyspaceHash keyspaceHash() {
        return keyspaceHash(0);
    }

    public KeyspaceHash keyspaceHash(long revision) {
        return read(reads -> KeyspaceHasher.hash(reads, revision));
    }

    /**
     * Takes a consistent snapshot at the applied index (between two applies) and removes older ones. The
     * returned export reads its chunks from disk on demand.
     */
    public SnapshotExport exportSnapshot() {
        return guarded(() -> {
            synchronized (applyLock) {
                try {
                    return Snapshots.export(db, dir.resolve(SNAPSHOTS), state, options.snapshotChunkBytes());
                } catch (RocksDBException e) {
                    throw new RocksFailure("taking a checkpoint", e);
                } catch (IOException e) {
                    throw new UncheckedIOException("exporting a snapshot", e);
                }
            }
        });
    }

    /**
     * A backup: a consistent checkpoint at the applied index (taken between two applies; hard links, so writes are
     * held only for the moment it takes) in {@code target}, which must not exist. Unlike {@link #exportSnapshot} it
     * leaves the snapshots members send each other alone; the caller deletes {@code target} when done.
     */
    public SnapshotExport exportBackup(Path target) {
        return guarded(() -> {
            synchronized (applyLock) {
                try {
                    return Snapshots.checkpointTo(db, target, state, options.snapshotChunkBytes());
                } catch (RocksDBException e) {
                    throw new RocksFailure("taking a checkpoint for a backup", e);
                } catch (IOException e) {
                    throw new UncheckedIOException("exporting a backup", e);
                }
            }
        });
    }

    public long appliedIndex() {
        return state.appliedIndex();
    }

    /**
     * Makes every apply so far durable; returns an applied index it covers (the store is durable through at least
     * that index once this returns). Without a write-ahead log (the store was opened without
     * {@link MvccOptions#syncEveryApply()}) this is one atomic flush of every column family's memtable, which takes
     * longer than an fsync (60-120 ms for 10,000 puts on a loaded two-core machine): call it when the log is about
     * to drop entries, not per apply. With {@link MvccOptions#syncEveryApply()} every apply already is durable (this
     * fsyncs the WAL). A failure stops the store (fail-stop).
     *
     * <p>It does not stop applies, so it may run on a thread of its own while the apply thread goes on (a member
     * flushed on its apply thread, which stopped every write for the flush's duration, every 10,000 entries: the
     * p99 of its puts). That is safe because every write carries its applied index in META in the same atomic
     * batch, and an atomic flush takes every column family's memtable at one point between two writes: the flushed
     * files are whole at some applied index, and the index read here, before the flush starts, was written by a
     * write that had returned, so it sits in a memtable the flush takes.
     */
    public long sync() {
        return guarded(() -> {
            long coveredThrough = state.appliedIndex();
            try {
                db.makeDurable();
            } catch (RocksDBException e) {
                throw new RocksFailure(db.walEnabled() ? "syncing the write-ahead log"
                        : "flushing the store's column families", e);
            }
            return coveredThrough;
        });
    }

    public long revision() {
        return state.revision();
    }

    public long compactRevision() {
        return state.compactRevision();
    }

    /** What this store counted ({@link MvccOptions#counters()}): etcd's mvcc metrics. */
    public StoreCounters counters() {
        return options.counters();
    }

    /** The failure that stopped the store, if it has. */
    public Optional<StorageFailedException> failure() {
        return Optional.ofNullable(failStop.failure());
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            synchronized (applyLock) {
                flushOnClose();
                batch.close();
                applyReadOptions.close();
            }
            db.close();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /**
     * Without a WAL, a store closed cleanly is made durable, so the next open need not apply again what the log
     * still holds (offline tools read it as it was, too). Not after a failure: nothing is written to a store that has
     * stopped. A flush that fails here is not retried and loses nothing: the log keeps every entry after the last
     * sync, and the next open applies them again.
     */
    private void flushOnClose() {
        if (db.walEnabled() || failStop.failure() != null) {
            return;
        }
        try {
            db.flushAll();
        } catch (RocksDBException e) {
            failStop.fail(new StorageFailedException("the store has stopped: flushing it on close failed: "
                    + e.getMessage(), e));
        }
    }

    private <T> T read(Function<SnapshotReads, T> body) {
        return guarded(() -> {
            try (SnapshotReads reads = new SnapshotReads(db)) {
                return body.apply(reads);
            }
        });
    }

    /** Runs a call against an open, healthy store, turning storage failures into fail-stop. */
    private <T> T guarded(Supplier<T> body) {
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("the store in " + dir + " is closed");
            }
            failStop.check();
            try {
                return body.get();
            } catch (RocksFailure e) {
                throw failStop.fail(new StorageFailedException("the store has stopped: " + e.getMessage(),
                        e.getCause()));
            } catch (StorageFailedException e) {
                throw failStop.fail(e);
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }
}
