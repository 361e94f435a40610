package io.keel.storage.log;

import io.keel.raft.log.Bootstrap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults 15 and 16: a data directory knows whose it is. Another cluster's or member's data, and a missing or empty
 * directory where data is expected, are refused with an error that says so.
 */
class IdentityTest {
    private static final long OTHER_CLUSTER = 424242;

    @TempDir
    Path root;

    @Test
    void theRightIdsOpenTheData() {
        Path dir = root.resolve("m1");
        RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, 1, 1, 2, 3).close();
        try (RocksLogStorage s = RocksLogStorage.open(dir, LogFixtures.CLUSTER, 1)) {
            assertEquals(new MemberIdentity(LogFixtures.CLUSTER, 1), s.identity());
            assertEquals(Bootstrap.initialEntry(1, 2, 3), s.entries(1, 2, Long.MAX_VALUE).get(0));
            assertEquals(Bootstrap.initialHardState(), s.hardState());
        }
    }

    @Test
    void anotherClustersDataIsRefused() {
        Path dir = root.resolve("m1");
        RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, 1, 1, 2, 3).close();
        WrongDataDirectoryException e = assertThrows(WrongDataDirectoryException.class,
                () -> RocksLogStorage.open(dir, OTHER_CLUSTER, 1));
        assertTrue(e.getMessage().startsWith("data directory " + dir + " belongs to cluster "
                + Long.toHexString(LogFixtures.CLUSTER) + " member 1, not cluster " + Long.toHexString(OTHER_CLUSTER)
                + " member 1"), e.getMessage());
    }

    @Test
    void anotherMembersDataIsRefused() {
        Path dir = root.resolve("m1");
        RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, 1, 1, 2, 3).close();
        WrongDataDirectoryException e = assertThrows(WrongDataDirectoryException.class,
                () -> RocksLogStorage.open(dir, LogFixtures.CLUSTER, 2));
        assertTrue(e.getMessage().startsWith("data directory " + dir + " belongs to cluster "
                + Long.toHexString(LogFixtures.CLUSTER) + " member 1, not cluster "
                + Long.toHexString(LogFixtures.CLUSTER) + " member 2"), e.getMessage());
    }

    @Test
    void anEmptyOrMissingDirectoryIsNotAFreshStart() throws Exception {
        Path empty = Files.createDirectories(root.resolve("empty"));
        NoKeelDataException e = assertThrows(NoKeelDataException.class,
                () -> RocksLogStorage.open(empty, LogFixtures.CLUSTER, 1));
        assertTrue(e.getMessage().startsWith("no Keel data in " + empty + " (the directory is empty): refusing to"
                + " start as a fresh member under an existing identity"), e.getMessage());

        Path missing = root.resolve("missing");
        NoKeelDataException m = assertThrows(NoKeelDataException.class,
                () -> RocksLogStorage.open(missing, LogFixtures.CLUSTER, 1));
        assertTrue(m.getMessage().contains("the directory does not exist"), m.getMessage());
        assertTrue(Files.notExists(missing), "opening creates nothing");

        Files.writeString(empty.resolve("notes.txt"), "not a database");
        NoKeelDataException other = assertThrows(NoKeelDataException.class,
                () -> RocksLogStorage.open(empty, LogFixtures.CLUSTER, 1));
        assertTrue(other.getMessage().contains("it holds no database"), other.getMessage());
    }

    @Test
    void aForeignDatabaseOrAnInterruptedInitializationIsNoKeelData() throws RocksDBException {
        Path foreign = root.resolve("foreign");
        try (Options o = new Options().setCreateIfMissing(true); RocksDB db = RocksDB.open(o, foreign.toString())) {
            db.put(new byte[]{1}, new byte[]{2});
        }
        assertTrue(assertThrows(NoKeelDataException.class, () -> RocksLogStorage.open(foreign, LogFixtures.CLUSTER, 1))
                .getMessage().contains("its database holds no Keel log"));

        // The database was created but the initializing write never became durable: nothing of the member exists.
        Path interrupted = root.resolve("interrupted");
        LogDatabase.open(interrupted, true).close();
        assertTrue(assertThrows(NoKeelDataException.class,
                () -> RocksLogStorage.open(interrupted, LogFixtures.CLUSTER, 1))
                .getMessage().contains("never initialized, or initializing it was interrupted"));
        RocksLogStorage.bootstrap(interrupted, LogFixtures.CLUSTER, 1, 1).close(); // initializing again is safe
        RocksLogStorage.open(interrupted, LogFixtures.CLUSTER, 1).close();
    }

    @Test
    void initializedDataIsNeverInitializedAgain() {
        Path dir = root.resolve("m1");
        RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, 1, 1, 2, 3).close();
        WrongDataDirectoryException boot = assertThrows(WrongDataDirectoryException.class,
                () -> RocksLogStorage.bootstrap(dir, OTHER_CLUSTER, 1, 1));
        assertTrue(boot.getMessage().contains("already holds Keel data of cluster " + Long.toHexString(LogFixtures.CLUSTER)
                + " member 1"),
                boot.getMessage());
        assertThrows(WrongDataDirectoryException.class, () -> RocksLogStorage.create(dir, LogFixtures.CLUSTER, 1));
        RocksLogStorage.open(dir, LogFixtures.CLUSTER, 1).close();
    }

    @Test
    void aJoiningMemberStartsWithAnEmptyLogUnderItsIdentity() {
        Path dir = root.resolve("m4");
        RocksLogStorage.create(dir, LogFixtures.CLUSTER, 4).close();
        try (RocksLogStorage s = RocksLogStorage.open(dir, LogFixtures.CLUSTER, 4)) {
            assertEquals(1, s.firstIndex());
            assertEquals(0, s.lastIndex());
            assertEquals(0, s.term(0));
            assertEquals(io.keel.raft.proto.HardState.getDefaultInstance(), s.hardState());
            assertEquals(io.keel.raft.proto.ConfState.getDefaultInstance(), s.initialState().confState());
        }
        assertThrows(WrongDataDirectoryException.class, () -> RocksLogStorage.open(dir, LogFixtures.CLUSTER, 1));
    }

    @Test
    void reservedIdsAreRefusedBeforeTouchingTheDisk() {
        Path dir = root.resolve("m0");
        assertThrows(IllegalArgumentException.class, () -> RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> RocksLogStorage.create(dir, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, 1));
        assertTrue(Files.notExists(dir));
    }
}
