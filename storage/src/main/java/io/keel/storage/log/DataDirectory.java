package io.keel.storage.log;

import io.keel.raft.proto.Entry;
import io.keel.raft.proto.HardState;
import io.keel.raft.proto.SnapshotMetadata;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A member's data directory, before it becomes a store: initialized once under the member's identity, and opened
 * afterwards only by that member. What is refused, and why: a missing or empty directory where data is expected
 * (fault 15), another cluster's or member's data (fault 16), data of another format (fault 19), initializing twice.
 */
final class DataDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(DataDirectory.class);

    private DataDirectory() {
    }

    /**
     * Opens the database of an initialized member, checking that it is {@code expected}'s. A directory written before
     * incarnations existed gets one here, durably, before anything else happens: from then on it is that directory's
     * for good, as if drawn when it was created (its peers learn it when the member publishes it).
     */
    static LogDatabase openExisting(Path dir, MemberIdentity expected, SyncedWrite syncedWrite) throws RocksDBException {
        if (!Files.isDirectory(dir)) throw new NoKeelDataException(dir, "the directory does not exist");
        if (!LogDatabase.exists(dir)) {
            throw new NoKeelDataException(dir, isEmpty(dir) ? "the directory is empty" : "it holds no database");
        }
        if (!LogDatabase.hasLogFamilies(dir)) throw new NoKeelDataException(dir, "its database holds no Keel log");
        LogDatabase db = LogDatabase.open(dir, false);
        try {
            MemberIdentity found = MetaRecords.readIdentity(db);
            if (found == null) {
                throw new NoKeelDataException(dir, "it was never initialized, or initializing it was interrupted");
            }
            if (!found.equals(expected)) throw WrongDataDirectoryException.mismatch(dir, found, expected);
            if (MetaRecords.readIncarnation(db) == 0) assignIncarnation(db, expected, syncedWrite);
            return db;
        } catch (RocksDBException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /**
     * Initializes {@code dir} for {@code identity} with a first log and hard state, and returns its open database.
     * Everything goes in one synced batch, identity included: a crash leaves either nothing of the member, and
     * initializing again is safe, or all of it.
     */
    static LogDatabase initialize(Path dir, MemberIdentity identity, SyncedWrite syncedWrite, List<Entry> entries,
                                  HardState hardState) throws RocksDBException {
        return initialize(dir, identity, syncedWrite, entries, hardState, SnapshotMetadata.getDefaultInstance());
    }

    /** As above, with the log starting after {@code snapshot} (a member restored from a store snapshot). */
    static LogDatabase initialize(Path dir, MemberIdentity identity, SyncedWrite syncedWrite, List<Entry> entries,
                                  HardState hardState, SnapshotMetadata snapshot) throws RocksDBException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + dir, e);
        }
        LogDatabase db = LogDatabase.open(dir, true);
        try (WriteBatch batch = new WriteBatch()) {
            MemberIdentity found = MetaRecords.readIdentity(db);
            if (found != null) throw WrongDataDirectoryException.alreadyInitialized(dir, found);
            MetaRecords.putIdentity(batch, db, identity);
            MetaRecords.putIncarnation(batch, db, Incarnation.draw());
            MetaRecords.putHardState(batch, db, hardState);
            MetaRecords.putSnapshot(batch, db, snapshot);
            EntryCodec codec = new EntryCodec();
            for (Entry e : entries) codec.put(batch, db.log, e);
            syncedWrite.write(db.db, db.synced, batch);
            return db;
        } catch (RocksDBException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /**
     * Offline recovery: appends {@code entries} after the last one, replaces the hard state and the identity's cluster
     * id, as one synced batch (a crash leaves the directory as it was, or wholly rewritten).
     */
    static void rewriteForNewCluster(Path dir, MemberIdentity expected, long newClusterId, List<Entry> entries,
                                     HardState hardState, SyncedWrite syncedWrite) throws RocksDBException {
        try (LogDatabase db = openExisting(dir, expected, syncedWrite); WriteBatch batch = new WriteBatch()) {
            MetaRecords.putIdentity(batch, db, new MemberIdentity(newClusterId, expected.memberId()));
            MetaRecords.putHardState(batch, db, hardState);
            EntryCodec codec = new EntryCodec();
            for (Entry e : entries) codec.put(batch, db.log, e);
            syncedWrite.write(db.db, db.synced, batch);
        }
    }

    /** The identity recorded in an initialized directory, whoever's it is. */
    static MemberIdentity identityOf(Path dir) throws RocksDBException {
        if (!Files.isDirectory(dir)) throw new NoKeelDataException(dir, "the directory does not exist");
        if (!LogDatabase.exists(dir)) {
            throw new NoKeelDataException(dir, isEmpty(dir) ? "the directory is empty" : "it holds no database");
        }
        if (!LogDatabase.hasLogFamilies(dir)) throw new NoKeelDataException(dir, "its database holds no Keel log");
        try (LogDatabase db = LogDatabase.open(dir, false)) {
            MemberIdentity found = MetaRecords.readIdentity(db);
            if (found == null) {
                throw new NoKeelDataException(dir, "it was never initialized, or initializing it was interrupted");
            }
            return found;
        }
    }

    private static void assignIncarnation(LogDatabase db, MemberIdentity member, SyncedWrite syncedWrite)
            throws RocksDBException {
        long incarnation = Incarnation.draw();
        try (WriteBatch batch = new WriteBatch()) {
            MetaRecords.putIncarnation(batch, db, incarnation);
            syncedWrite.write(db.db, db.synced, batch);
        }
        LOG.info("member {}: data directory {} had no incarnation (written by an earlier version): assigned {}",
                Long.toHexString(member.memberId()), db.dir, Long.toHexString(incarnation));
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
