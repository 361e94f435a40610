package io.keel.storage.log;

import io.keel.storage.failure.StorageFailedException;
import io.keel.raft.proto.Entry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault 12: bytes flipped on the disk, written behind the store's back through RocksDB itself. A damaged entry is
 * never served: reading it raises an error naming its index and stops the store; a damaged record the store needs
 * to start (hard state, snapshot metadata, identity) stops the open.
 */
class CorruptionTest {
    private static final long MEMBER = 1;
    /** A small term cache, so that opening checks only the newest 8 entries and entry 20 is damaged silently. */
    private static final LogStorageConfig SMALL_CACHE = LogStorageConfig.defaults().withRecentEntries(8, 1L << 20);

    @TempDir
    Path dir;

    private final List<StorageFailedException> reported = new ArrayList<>();

    /** A member with entries 1..50 on disk. */
    @BeforeEach
    void fiftyEntries() {
        try (RocksLogStorage s = RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, MEMBER, 1, 2, 3)) {
            List<Entry> entries = new ArrayList<>();
            for (long i = 2; i <= 50; i++) entries.add(LogFixtures.entry(i, 2));
            s.persist(LogWrite.entries(entries));
        }
    }

    @Test
    void aFlippedBitInAnEntryIsReportedWithItsIndexAndNeverServed() {
        tamper(true, LogKeys.of(20), CorruptionTest::flipMiddleByte);
        try (RocksLogStorage s = open()) {
            assertEquals(50, s.lastIndex(), "the damage is not in the part checked at open");
            CorruptLogException e = assertThrows(CorruptLogException.class, () -> s.entries(1, 51, Long.MAX_VALUE));
            assertTrue(e.getMessage().startsWith("log entry 20 failed its checksum"), e.getMessage());
            assertEquals(20, e.index());
            // The store has failed: the server was told once, and nothing is served any more, not even healthy entries.
            assertEquals(1, reported.size());
            assertSame(e, reported.get(0).getCause());
            for (Executable call : List.<Executable>of(() -> s.entries(45, 46, Long.MAX_VALUE), () -> s.term(20),
                    s::lastIndex, () -> s.persist(LogWrite.entries(List.of(LogFixtures.entry(51, 2)))))) {
                StorageFailedException later = assertThrows(StorageFailedException.class, call);
                assertTrue(later.getMessage().contains("log entry 20 failed its checksum")
                        && later.getMessage().contains("the member must stop"), later.getMessage());
            }
            assertEquals(1, reported.size(), "the listener is told once");
        }
        // After a restart the damage is still found, through term() (no cache for it) as through entries().
        try (RocksLogStorage s = open()) {
            CorruptLogException e = assertThrows(CorruptLogException.class, () -> s.term(20));
            assertTrue(e.getMessage().startsWith("log entry 20 failed its checksum"), e.getMessage());
            assertTrue(e.getMessage().contains("rebuilt from its peers"), "it says what to do: " + e.getMessage());
        }
    }

    @Test
    void damageAmongTheNewestEntriesStopsTheOpen() {
        tamper(true, LogKeys.of(48), CorruptionTest::flipMiddleByte);
        CorruptLogException e = assertThrows(CorruptLogException.class, this::open);
        assertTrue(e.getMessage().startsWith("log entry 48 failed its checksum"), e.getMessage());
    }

    @Test
    void aFlippedBitInTheHardStateStopsTheOpen() {
        tamper(false, MetaRecords.HARD_STATE, CorruptionTest::flipMiddleByte);
        CorruptLogException e = assertThrows(CorruptLogException.class, this::open);
        assertTrue(e.getMessage().startsWith("the hard state in " + dir + " failed its checksum"), e.getMessage());
    }

    @Test
    void aFlippedBitInTheSnapshotMetadataOrTheIdentityStopsTheOpen() {
        tamper(false, MetaRecords.SNAPSHOT, v -> {
            v[1] ^= 0x10; // in the checksum itself: detected all the same
            return v;
        });
        CorruptLogException snapshot = assertThrows(CorruptLogException.class, this::open);
        assertTrue(snapshot.getMessage().startsWith("the snapshot metadata in " + dir + " failed its checksum"),
                snapshot.getMessage());

        tamper(false, MetaRecords.IDENTITY, CorruptionTest::flipMiddleByte);
        CorruptLogException identity = assertThrows(CorruptLogException.class, this::open);
        assertTrue(identity.getMessage().startsWith("the identity record in " + dir + " failed its checksum"),
                identity.getMessage());
    }

    @Test
    void anEntryStoredUnderAnotherIndexIsCaught() {
        byte[][] entry21 = new byte[1][];
        tamper(true, LogKeys.of(21), v -> {
            entry21[0] = v;
            return v;
        });
        tamper(true, LogKeys.of(20), v -> entry21[0]);
        try (RocksLogStorage s = open()) {
            CorruptLogException e = assertThrows(CorruptLogException.class, () -> s.entries(18, 23, Long.MAX_VALUE));
            assertTrue(e.getMessage().startsWith("log entry 20 is stored holding entry 21"), e.getMessage());
        }
    }

    @Test
    void aMissingEntryIsAHoleNotTheEndOfTheLog() {
        tamper(true, LogKeys.of(20), v -> null);
        try (RocksLogStorage s = open()) {
            assertEquals(50, s.lastIndex());
            CorruptLogException e = assertThrows(CorruptLogException.class, () -> s.entries(1, 51, Long.MAX_VALUE));
            assertTrue(e.getMessage().startsWith("log entry 20 is missing from a log that holds 1..50"), e.getMessage());
        }
    }

    @Test
    void aLogThatDoesNotStartAfterItsSnapshotStopsTheOpen() {
        tamper(true, LogKeys.of(1), v -> null);
        CorruptLogException e = assertThrows(CorruptLogException.class, this::open);
        assertTrue(e.getMessage().startsWith("the log in " + dir + " starts at entry 2 but its snapshot ends at 0"),
                e.getMessage());
    }

    private RocksLogStorage open() {
        return RocksLogStorage.open(dir, LogFixtures.CLUSTER, MEMBER, SMALL_CACHE.withFailureListener(reported::add));
    }

    /** Rewrites one stored value behind the store's back (null deletes it). */
    private void tamper(boolean logFamily, byte[] key, Function<byte[], byte[]> change) {
        try (LogDatabase db = LogDatabase.open(dir, false)) {
            ColumnFamilyHandle family = logFamily ? db.log : db.meta;
            byte[] changed = change.apply(db.db.get(family, key));
            if (changed == null) {
                db.db.delete(family, key);
            } else {
                db.db.put(family, key, changed);
            }
        } catch (RocksDBException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] flipMiddleByte(byte[] value) {
        value[ValueChecksum.LENGTH + (value.length - ValueChecksum.LENGTH) / 2] ^= 0x01;
        return value;
    }
}
