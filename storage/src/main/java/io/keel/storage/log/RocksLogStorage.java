package io.keel.storage.log;

import io.keel.storage.failure.StorageFailedException;
import io.keel.storage.failure.FailStop;
import io.keel.raft.Ready;
import io.keel.raft.log.Bootstrap;
import io.keel.raft.log.CompactedException;
import io.keel.raft.log.EntrySizes;
import io.keel.raft.log.RaftStorage;
import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.HardState;
import io.keel.raft.proto.SnapshotMetadata;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Status;
import org.rocksdb.WriteBatch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The durable Raft log of one member, on RocksDB: behaves exactly like {@link io.keel.raft.log.MemoryStorage}, but
 * what it acknowledges survives kill -9 and power loss.
 *
 * <p>Layout: column family {@code log} holds the entries keyed by index ({@link LogKeys}); {@code meta} holds the
 * member's identity, the directory's {@link Incarnation}, the hard state and the metadata of the snapshot the log starts after ({@link MetaRecords}).
 * Every value carries a CRC32C checked on every read ({@link ValueChecksum}).
 *
 * <p>Writes: {@link #persist} writes one {@link Ready}'s entries, hard state and snapshot as one WriteBatch with
 * sync = true, and returns once it is on the disk; {@link GroupCommitLog} puts the writes of many callers into one
 * batch and one sync. Readers see a write only once it is durable. Any write or sync error puts the store in a failed
 * state for good ({@link StorageFailedException}, fault 13); so does damaged data ({@link CorruptLogException},
 * fault 12).
 *
 * <p>Threads: safe for concurrent use. Writes are serialized; reads never wait for a sync (a stalled disk must not
 * stall the Raft thread's ticks and heartbeats, fault 7), except a read that races a write removing the entries it
 * reads, which raft-core never does (it reads neither the unstable tail it is rewriting nor below its snapshot).
 */
public final class RocksLogStorage implements RaftStorage, AutoCloseable {
    /** How many times a read retries because the log changed under it, before calling a missing entry damage. */
    private static final int MAX_READ_ATTEMPTS = 64;

    private final Path dir;
    private final MemberIdentity identity;
    private final long incarnation;
    private final LogDatabase db;
    private final FailStop failStop;
    private final SyncedWrite syncedWrite;
    private final SpaceReclaimer reclaimer;

    /** Calls that touch RocksDB hold the read side; close() takes the write side, so no call outlives the handles. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;

    /** One writer at a time; it owns the reused batch and codec. */
    private final ReentrantLock writer = new ReentrantLock();
    private final WriteBatch batch;
    private final EntryCodec codec = new EntryCodec();
    /** Writes begun and writes published; they differ while a write is in flight. Changed under {@link #writer}. */
    private volatile long writesStarted;
    private volatile long writesPublished;

    /** What readers see, replaced only once a write is durable. */
    private final Object published = new Object();
    private LogLayout layout;
    private final RecentEntries recentEntries;

    private RocksLogStorage(LogDatabase db, MemberIdentity identity, LogStorageConfig config) throws RocksDBException {
        this.dir = db.dir;
        this.identity = identity;
        this.incarnation = MetaRecords.readIncarnation(db);
        if (incarnation == 0) throw CorruptLogException.record(dir, "incarnation record", "is missing");
        this.db = db;
        this.failStop = new FailStop(config.failureListener());
        this.syncedWrite = config.syncedWrite();
        this.recentEntries = new RecentEntries(config.recentEntries(), config.recentEntriesMaxBytes());
        SnapshotMetadata snapshot = MetaRecords.readSnapshot(db);
        this.layout = new LogLayout(snapshot, lastIndexOnDisk(db, snapshot.getIndex()), MetaRecords.readHardState(db));
        // Reading the newest entries checks their checksums at once: a damaged tail, the part a vote compares, stops
        // the member at open rather than at its first election (fault 12).
        recentEntries.resetAfter(snapshot.getIndex());
        long from = Math.max(layout.firstIndex(), layout.lastIndex() - config.recentEntries() + 1);
        long to = layout.lastIndex() + 1;
        recentEntries.append(scan(layout, from, to, Long.MAX_VALUE, writesPublished, MAX_READ_ATTEMPTS));
        this.reclaimer = new SpaceReclaimer(db, failStop);
        this.batch = new WriteBatch();
    }

    // ------------------------------------------------------------------ opening

    /**
     * Initializes {@code dir} for an initial member of a new cluster: entry 1 (term 1, committed) names the voters,
     * as {@link io.keel.raft.log.MemoryStorage#bootstrap}. Every initial member must be given the same voters.
     */
    public static RocksLogStorage bootstrap(Path dir, long clusterId, long memberId, long... voters) {
        return bootstrap(dir, clusterId, memberId, LogStorageConfig.defaults(), voters);
    }

    public static RocksLogStorage bootstrap(Path dir, long clusterId, long memberId, LogStorageConfig config,
                                            long... voters) {
        return bootstrap(dir, clusterId, memberId, config, new byte[0], voters);
    }

    /** As above, with the server's opaque context in entry 1 (the same bytes on every initial member). */
    public static RocksLogStorage bootstrap(Path dir, long clusterId, long memberId, LogStorageConfig config,
                                            byte[] context, long... voters) {
        Entry first = Bootstrap.initialEntry(com.google.protobuf.ByteString.copyFrom(context), voters);
        return initialize(dir, new MemberIdentity(clusterId, memberId), config, List.of(first),
                Bootstrap.initialHardState());
    }

    /**
     * Initializes {@code dir} for a member joining an existing cluster: an empty log; it learns the configuration
     * from the leader. Only for a member the operator has just added (fault 15).
     */
    public static RocksLogStorage create(Path dir, long clusterId, long memberId) {
        return create(dir, clusterId, memberId, LogStorageConfig.defaults());
    }

    public static RocksLogStorage create(Path dir, long clusterId, long memberId, LogStorageConfig config) {
        return initialize(dir, new MemberIdentity(clusterId, memberId), config, List.of(),
                HardState.getDefaultInstance());
    }

    /**
     * Initializes {@code dir} for a member of a new cluster restored from a store snapshot: no entries, the log
     * starting after {@code snapshot} (whose configuration names the new cluster's voters), and {@code hardState}
     * (its commit index at the snapshot's). The store must hold exactly the state at the snapshot's index.
     */
    public static RocksLogStorage restore(Path dir, long clusterId, long memberId, SnapshotMetadata snapshot,
                                          HardState hardState) {
        return load(dir, new MemberIdentity(clusterId, memberId), LogStorageConfig.defaults(), "initializing",
                () -> DataDirectory.initialize(dir, new MemberIdentity(clusterId, memberId),
                        LogStorageConfig.defaults().syncedWrite(), List.of(), hardState, snapshot));
    }

    /**
     * The identity recorded in an initialized data directory, whoever's it is (for offline tools, which must then
     * open it under that identity). Refuses a missing, empty or uninitialized directory ({@link NoKeelDataException}).
     */
    public static MemberIdentity identityOf(Path dir) {
        try {
            return DataDirectory.identityOf(dir);
        } catch (RocksDBException e) {
            throw StorageFailedException.during("reading the identity of " + dir, e);
        }
    }

    /**
     * Offline recovery (the majority is gone for good): appends {@code entries} right after the last entry, writes
     * {@code hardState} and moves the directory to cluster {@code newClusterId}, in one synced write. The member must
     * not be running. Entries must continue the log (index last + 1, ...), with terms not below the last entry's.
     */
    public static void rewriteForNewCluster(Path dir, MemberIdentity expected, long newClusterId, List<Entry> entries,
                                            HardState hardState) {
        try {
            DataDirectory.rewriteForNewCluster(dir, expected, newClusterId, entries, hardState,
                    LogStorageConfig.defaults().syncedWrite());
        } catch (RocksDBException e) {
            throw StorageFailedException.during("rewriting " + dir + " for a new cluster", e);
        }
    }

    /**
     * Opens the data of an existing member. Refuses a missing or empty directory ({@link NoKeelDataException},
     * fault 15) and another cluster's or member's data ({@link WrongDataDirectoryException}, fault 16). A torn write
     * at the WAL's tail is dropped (fault 11); damage anywhere else fails the open.
     */
    public static RocksLogStorage open(Path dir, long expectedClusterId, long expectedMemberId) {
        return open(dir, expectedClusterId, expectedMemberId, LogStorageConfig.defaults());
    }

    public static RocksLogStorage open(Path dir, long expectedClusterId, long expectedMemberId,
                                       LogStorageConfig config) {
        MemberIdentity expected = new MemberIdentity(expectedClusterId, expectedMemberId);
        return load(dir, expected, config, "opening", () -> DataDirectory.openExisting(dir, expected, config.syncedWrite()));
    }

    private static RocksLogStorage initialize(Path dir, MemberIdentity identity, LogStorageConfig config,
                                              List<Entry> entries, HardState hardState) {
        return load(dir, identity, config, "initializing",
                () -> DataDirectory.initialize(dir, identity, config.syncedWrite(), entries, hardState));
    }

    private interface Opening {
        LogDatabase open() throws RocksDBException;
    }

    private static RocksLogStorage load(Path dir, MemberIdentity identity, LogStorageConfig config, String during,
                                        Opening opening) {
        LogDatabase db = null;
        try {
            db = opening.open();
            return new RocksLogStorage(db, identity, config);
        } catch (RocksDBException e) {
            if (db != null) db.close();
            if (e.getStatus() != null && e.getStatus().getCode() == Status.Code.Corruption) {
                // Recovery refused damage that is not a torn tail, e.g. a bad record in the middle of the WAL.
                throw CorruptLogException.shape(dir, "cannot be recovered: RocksDB found damage that is not a torn"
                        + " tail (" + e.getMessage() + ")");
            }
            throw StorageFailedException.during(during + " " + dir, e);
        } catch (RuntimeException e) {
            if (db != null) db.close();
            throw e;
        }
    }

    /** The last index, from the keys; checks that the first key follows the snapshot. */
    private static long lastIndexOnDisk(LogDatabase db, long snapshotIndex) throws RocksDBException {
        try (RocksIterator it = db.db.newIterator(db.log)) {
            it.seekToFirst();
            if (!it.isValid()) {
                it.status();
                return snapshotIndex;
            }
            long first = LogKeys.indexOf(it.key());
            if (first != snapshotIndex + 1) {
                throw CorruptLogException.shape(db.dir, "starts at entry " + first + " but its snapshot ends at "
                        + snapshotIndex);
            }
            it.seekToLast();
            if (!it.isValid()) it.status();
            return LogKeys.indexOf(it.key());
        }
    }

    // ------------------------------------------------------------------ RaftStorage

    @Override
    public InitialState initialState() {
        LogLayout l = layout();
        return new InitialState(l.hardState(), l.snapshot().getConfState());
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        failStop.check();
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            for (int attempt = 1; ; attempt++) {
                failStop.check();
                LogLayout l;
                long seen;
                synchronized (published) {
                    l = layout;
                    seen = writesPublished;
                    if (lo < l.firstIndex()) throw new CompactedException(lo, l.firstIndex());
                    if (hi > l.lastIndex() + 1) {
                        throw new IllegalArgumentException("entries up to " + hi + " beyond last " + l.lastIndex());
                    }
                    // The tail a leader sends and every member applies right after writing it: from memory.
                    List<Entry> cached = recentEntries.entries(lo, hi, maxBytes);
                    if (cached != null) return cached;
                }
                List<Entry> out = scan(l, lo, hi, maxBytes, seen, attempt);
                if (out != null) return out;
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public long term(long index) {
        for (int attempt = 1; ; attempt++) {
            failStop.check();
            ensureOpen();
            LogLayout l;
            long seen;
            // Near the tail (what raft-core asks on every append, vote and commit) the answer is in memory.
            synchronized (published) {
                l = layout;
                if (index == l.snapshotIndex()) return l.snapshot().getTerm();
                if (index < l.snapshotIndex()) throw new CompactedException(index, l.firstIndex());
                if (index > l.lastIndex()) {
                    throw new IllegalArgumentException("term of " + index + " beyond last " + l.lastIndex());
                }
                long cached = recentEntries.term(index);
                if (cached >= 0) return cached;
                seen = writesPublished;
            }
            lifecycle.readLock().lock();
            try {
                ensureOpen();
                Entry e = readEntry(l, index, seen, attempt);
                if (e != null) return e.getTerm();
            } finally {
                lifecycle.readLock().unlock();
            }
        }
    }

    @Override
    public long firstIndex() {
        return layout().firstIndex();
    }

    @Override
    public long lastIndex() {
        return layout().lastIndex();
    }

    @Override
    public SnapshotMetadata snapshotMetadata() {
        return layout().snapshot();
    }

    public HardState hardState() {
        return layout().hardState();
    }

    public MemberIdentity identity() {
        return identity;
    }

    /**
     * This data directory's incarnation: drawn when it was created (or, for a directory of an earlier version, on
     * its first open), the same on every open. A wiped and recreated directory has another one.
     */
    public long incarnation() {
        return incarnation;
    }

    public Path directory() {
        return dir;
    }

    // ------------------------------------------------------------------ writes

    /** Writes a Ready's durable part and returns once it is on the disk. See {@link #persist(LogWrite)}. */
    public void persist(Ready ready) {
        persist(LogWrite.of(ready));
    }

    public void persist(List<Entry> entries, HardState hardState, SnapshotMetadata snapshot) {
        persist(new LogWrite(entries, hardState, snapshot));
    }

    /**
     * Installs the snapshot (if newer than the current one), appends the entries (replacing any conflicting stored
     * suffix, like {@code MemoryStorage.append}) and replaces the hard state, as one atomic synced write. Throws
     * IllegalStateException, writing nothing, for a gap or an entry at or below the snapshot.
     */
    public void persist(LogWrite write) {
        RuntimeException refused = writeGroup(List.of(write)).refused()[0];
        if (refused != null) throw refused;
    }

    /** What one group write did: per write, null or why it was refused; the entries written; whether it synced. */
    record GroupResult(RuntimeException[] refused, int entries, boolean synced) {
    }

    /** Writes several LogWrites, in order, as one batch and one sync (see {@link GroupStaging}). */
    GroupResult writeGroup(List<LogWrite> writes) {
        failStop.check();
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            writer.lock();
            try {
                batch.clear();
                GroupStaging staging = new GroupStaging(db, batch, codec, this::storedTerm, layout());
                RuntimeException[] refused = new RuntimeException[writes.size()];
                for (int i = 0; i < writes.size(); i++) refused[i] = staging.stage(writes.get(i));
                if (!staging.hasUpdates()) return new GroupResult(refused, 0, false);
                writesStarted++;
                syncedWrite.write(db.db, db.synced, batch);
                synchronized (published) {
                    layout = staging.layout();
                    staging.replayInto(recentEntries);
                    writesPublished = writesStarted;
                }
                return new GroupResult(refused, staging.entryCount(), true);
            } catch (RocksDBException e) {
                throw failStop.fail("writing and syncing the log", e);
            } catch (StorageFailedException e) {
                throw e;
            } catch (RuntimeException e) {
                // Damage found while staging, or a broken invariant: the batch is dropped and the member stops.
                throw failStop.fail("writing the log", e);
            } finally {
                writer.unlock();
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Records a snapshot the state machine took at {@code index} and deletes the log up to it (thesis §5.1), as
     * {@code MemoryStorage.compact}. The disk space comes back in the background.
     */
    public void compact(long index, ConfState confState) {
        failStop.check();
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            writer.lock();
            try {
                LogLayout l = layout();
                if (index <= l.snapshotIndex()) return;
                if (index > l.lastIndex()) {
                    throw new IllegalArgumentException("compact " + index + " beyond last " + l.lastIndex());
                }
                SnapshotMetadata meta = SnapshotMetadata.newBuilder().setIndex(index).setTerm(storedTerm(index))
                        .setConfState(confState).build();
                batch.clear();
                batch.deleteRange(db.log, LogKeys.of(l.firstIndex()), LogKeys.of(index + 1));
                MetaRecords.putSnapshot(batch, db, meta);
                writesStarted++;
                syncedWrite.write(db.db, db.synced, batch);
                synchronized (published) {
                    layout = l.withSnapshot(meta, l.lastIndex());
                    writesPublished = writesStarted;
                }
            } catch (RocksDBException e) {
                throw failStop.fail("compacting the log through entry " + index, e);
            } finally {
                writer.unlock();
            }
            reclaimer.reclaimBelow(index + 1);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Bytes the log's entries take: table files plus memtables (a metric; compacted entries leave it soon). */
    public long logBytes() {
        failStop.check();
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return db.db.getLongProperty(db.log, "rocksdb.total-sst-files-size")
                    + db.db.getLongProperty(db.log, "rocksdb.cur-size-all-mem-tables");
        } catch (RocksDBException e) {
            throw failStop.fail("reading the log's size", e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Waits for the background compaction of compacted entries to finish. */
    void awaitSpaceReclaimed() {
        reclaimer.awaitIdle();
    }

    /** Throws {@link StorageFailedException} if the store has failed. */
    public void checkHealthy() {
        failStop.check();
    }

    public boolean failed() {
        return failStop.failed();
    }

    /** Closes the database. Calls after this throw IllegalStateException. */
    @Override
    public void close() {
        if (lifecycle.getReadHoldCount() > 0) {
            // A failure listener closing the store from inside the call that failed would wait for itself.
            throw new IllegalStateException("close() called from inside a call on this store (a failure listener?):"
                    + " close it from another thread");
        }
        lifecycle.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            reclaimer.close();
            batch.close();
            db.close();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    // ------------------------------------------------------------------ reading

    private LogLayout layout() {
        failStop.check();
        ensureOpen();
        synchronized (published) {
            return layout;
        }
    }

    /** The term of a stored entry, for the writer (no write can be in flight). */
    private long storedTerm(long index) {
        LogLayout l;
        synchronized (published) {
            l = layout;
            if (index == l.snapshotIndex()) return l.snapshot().getTerm();
            long cached = recentEntries.term(index);
            if (cached >= 0) return cached;
        }
        return readEntry(l, index, writesPublished, MAX_READ_ATTEMPTS).getTerm();
    }

    /** The entry at {@code index}, or null when the log changed under the read (retry with the new layout). */
    private Entry readEntry(LogLayout l, long index, long seen, int attempt) {
        byte[] value;
        try {
            value = db.db.get(db.log, LogKeys.of(index));
        } catch (RocksDBException e) {
            throw failStop.fail("reading log entry " + index, e);
        }
        if (value == null) {
            if (logMovedSince(seen, attempt)) return null;
            throw damaged(CorruptLogException.missing(index, l.firstIndex(), l.lastIndex()));
        }
        return decode(index, value);
    }

    /** Entries [lo, hi) within maxBytes, or null when the log changed under the read (retry with the new layout). */
    private List<Entry> scan(LogLayout l, long lo, long hi, long maxBytes, long seen, int attempt) {
        List<Entry> out = new ArrayList<>((int) Math.min(Math.max(hi - lo, 0), 256));
        if (lo >= hi) return out;
        byte[] key = new byte[LogKeys.LENGTH];
        try (Slice lower = new Slice(LogKeys.of(lo));
             Slice upper = new Slice(LogKeys.of(hi));
             ReadOptions options = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
             RocksIterator it = db.db.newIterator(db.log, options)) {
            it.seek(LogKeys.of(lo));
            long bytes = 0;
            for (long index = lo; index < hi; index++, it.next()) {
                if (!it.isValid() || it.key(key) != LogKeys.LENGTH || LogKeys.indexOf(key) != index) {
                    it.status();
                    if (logMovedSince(seen, attempt)) return null;
                    throw damaged(CorruptLogException.missing(index, l.firstIndex(), l.lastIndex()));
                }
                Entry e = decode(index, it.value());
                bytes += EntrySizes.payload(e);
                if (!out.isEmpty() && bytes > maxBytes) break;
                out.add(e);
            }
            return out;
        } catch (RocksDBException e) {
            throw failStop.fail("reading log entries " + lo + ".." + (hi - 1), e);
        }
    }

    private Entry decode(long index, byte[] value) {
        try {
            return EntryCodec.decode(index, value);
        } catch (CorruptLogException e) {
            throw damaged(e);
        }
    }

    /**
     * Whether a write began since the read took its layout: then an entry the read expected may just have been
     * removed (truncated, compacted). Waits for that write to be published, so the retry sees the new layout.
     */
    private boolean logMovedSince(long seen, int attempt) {
        if (writesStarted == seen || attempt >= MAX_READ_ATTEMPTS) return false;
        writer.lock();
        writer.unlock();
        return true;
    }

    private CorruptLogException damaged(CorruptLogException e) {
        failStop.fail("reading the log", e);
        return e;
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("the log storage in " + dir + " is closed");
    }

    @Override
    public String toString() {
        LogLayout l;
        synchronized (published) {
            l = layout;
        }
        return "RocksLogStorage(" + dir + ", " + identity + ", log " + l.firstIndex() + ".." + l.lastIndex() + ")";
    }
}
