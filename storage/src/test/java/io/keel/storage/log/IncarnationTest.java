package io.keel.storage.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Issue 10 B: a data directory has an incarnation of its own, drawn when it is created, kept across every reopen,
 * different for a directory wiped and created again under the same member id; a directory of an earlier version
 * gets one on its first open, durably.
 */
class IncarnationTest {
    @TempDir
    Path root;

    @Test
    void aDirectoryKeepsItsIncarnationAcrossReopens() {
        Path dir = root.resolve("m1");
        long drawn;
        try (RocksLogStorage s = RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, 1, 1, 2, 3)) {
            drawn = s.incarnation();
        }
        assertNotEquals(0, drawn);
        for (int i = 0; i < 3; i++) {
            try (RocksLogStorage s = RocksLogStorage.open(dir, LogFixtures.CLUSTER, 1)) {
                assertEquals(drawn, s.incarnation());
            }
        }
    }

    @Test
    void aWipedAndRecreatedDirectoryIsAnotherIncarnation() throws Exception {
        Path dir = root.resolve("m4");
        long first;
        try (RocksLogStorage s = RocksLogStorage.create(dir, LogFixtures.CLUSTER, 4)) {
            first = s.incarnation();
        }
        deleteTree(dir);
        try (RocksLogStorage s = RocksLogStorage.create(dir, LogFixtures.CLUSTER, 4)) {
            assertNotEquals(0, s.incarnation());
            assertNotEquals(first, s.incarnation(), "same member id, new directory, new incarnation");
        }
    }

    @Test
    void aDirectoryOfAnEarlierVersionGetsOneOnFirstOpenAndKeepsIt() throws RocksDBException {
        Path dir = root.resolve("m1");
        RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, 1, 1).close();
        // What the previous version wrote: everything but the incarnation record.
        try (LogDatabase db = LogDatabase.open(dir, false)) {
            db.db.delete(db.meta, MetaRecords.INCARNATION);
            assertEquals(0, MetaRecords.readIncarnation(db));
        }
        long assigned;
        try (RocksLogStorage s = RocksLogStorage.open(dir, LogFixtures.CLUSTER, 1)) {
            assigned = s.incarnation();
            assertNotEquals(0, assigned);
        }
        try (RocksLogStorage s = RocksLogStorage.open(dir, LogFixtures.CLUSTER, 1)) {
            assertEquals(assigned, s.incarnation(), "assigned once, durably");
        }
    }

    @Test
    void aDamagedIncarnationRecordIsDamageNotANewIncarnation() throws RocksDBException {
        Path dir = root.resolve("m1");
        RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, 1, 1).close();
        try (LogDatabase db = LogDatabase.open(dir, false)) {
            byte[] value = db.db.get(db.meta, MetaRecords.INCARNATION);
            value[value.length - 1] ^= 1;
            db.db.put(db.meta, MetaRecords.INCARNATION, value);
        }
        CorruptLogException e = assertThrows(CorruptLogException.class,
                () -> RocksLogStorage.open(dir, LogFixtures.CLUSTER, 1));
        assertEquals(true, e.getMessage().contains("incarnation record"), e.getMessage());
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var paths = java.nio.file.Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.delete(p);
        }
    }
}
