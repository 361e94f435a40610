package io.keel.storage.mvcc;

import io.keel.storage.mvcc.api.CorruptionException;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.layout.KeyIndexEntry;
import io.keel.storage.mvcc.layout.RevisionKey;
import io.keel.storage.mvcc.layout.StoreState;
import io.keel.storage.failure.StorageFailedException;
import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stored bytes that changed behind the store's back are never served: the read fails with an error naming the
 * column family and the key or revision, and the store stops.
 */
class CorruptionTest {
    @TempDir
    Path dir;
    final List<StorageFailedException> heard = new ArrayList<>();

    @BeforeEach
    void fill() {
        try (StoreDriver s = new StoreDriver(dir)) {
            s.put("foo", "first value");   // rev 2
            s.put("foo", "second value");  // rev 3
            s.put("bar", "untouched");     // rev 4
        }
    }

    private MvccStore reopen() {
        return MvccStore.open(dir, MvccOptions.defaults().withFailureListener(heard::add));
    }

    @Test
    void aFlippedByteInACurrentValueIsReportedWithItsKeyAndStopsTheStore() throws Exception {
        flipAByteOfFoosCurrentValue();
        try (MvccStore store = reopen()) {
            CorruptionException e = assertThrows(CorruptionException.class,
                    () -> store.range(RangeRequest.key(b("foo"))));
            assertNamesFoosCurrentRecord(e);
            assertEquals(List.of(e), heard);
            // Even an intact key is no longer served, and nothing more is applied.
            StorageFailedException later = assertThrows(StorageFailedException.class,
                    () -> store.range(RangeRequest.key(b("bar"))));
            assertSame(e, later.getCause());
            assertThrows(StorageFailedException.class, () -> store.apply(4, PutRequest.of(b("x"), b("y"))));
        }
    }

    /**
     * A plain put reads only the leading fields of the version it replaces (the apply thread keeps no values), yet
     * the record it reads from the database is verified whole before those fields are trusted or kept.
     */
    @Test
    void aPutOverAKeyWhoseCurrentValueIsCorruptStopsTheStore() throws Exception {
        flipAByteOfFoosCurrentValue();
        try (MvccStore store = reopen()) {
            CorruptionException e = assertThrows(CorruptionException.class,
                    () -> store.apply(4, PutRequest.of(b("foo"), b("third"))));
            assertNamesFoosCurrentRecord(e);
            assertEquals(List.of(e), heard);
            assertThrows(StorageFailedException.class, () -> store.range(RangeRequest.key(b("bar"))));
        }
    }

    private void flipAByteOfFoosCurrentValue() throws Exception {
        try (RawRocks raw = new RawRocks(dir)) {
            raw.flipByte(Column.CURRENT, b("foo"), 2);
        }
    }

    private static void assertNamesFoosCurrentRecord(CorruptionException e) {
        assertTrue(e.getMessage().contains("column family 'current'"), e.getMessage());
        assertTrue(e.getMessage().contains("key \"foo\""), e.getMessage());
        assertTrue(e.getMessage().contains("crc32c mismatch"), e.getMessage());
    }

    @Test
    void aFlippedByteInHistoryIsReportedWithItsRevision() throws Exception {
        try (RawRocks raw = new RawRocks(dir)) {
            raw.flipByte(Column.HISTORY, RevisionKey.of(2, 0), 0);
        }
        try (MvccStore store = reopen()) {
            assertEquals("second value", StoreDriver.s(store.range(RangeRequest.key(b("foo"))).kvs().get(0).value()),
                    "the current version is stored apart and intact");
            CorruptionException e = assertThrows(CorruptionException.class,
                    () -> store.range(RangeRequest.key(b("foo")).atRevision(2)));
            assertTrue(e.getMessage().contains("column family 'history': revision 2/0"), e.getMessage());
        }
    }

    @Test
    void historyCorruptionAlsoStopsTheChangeFeedAndTheHash() throws Exception {
        try (RawRocks raw = new RawRocks(dir)) {
            raw.flipByte(Column.HISTORY, RevisionKey.of(3, 0), 5);
        }
        try (MvccStore store = reopen()) {
            assertThrows(CorruptionException.class, () -> store.changesSince(1, b("foo"), null));
        }
        try (MvccStore store = reopen()) {
            CorruptionException e = assertThrows(CorruptionException.class, store::keyspaceHash);
            assertTrue(e.getMessage().contains("revision 3/0"), e.getMessage());
        }
    }

    @Test
    void aCorruptKeyIndexEntryIsReported() throws Exception {
        try (RawRocks raw = new RawRocks(dir)) {
            byte[] entry = KeyIndexEntry.key(KeyIndexEntry.prefix(b("foo")), 2, 0);
            raw.flipByte(Column.KEY_INDEX, entry, 0);
        }
        try (MvccStore store = reopen()) {
            CorruptionException e = assertThrows(CorruptionException.class,
                    () -> store.range(RangeRequest.key(b("foo")).atRevision(2)));
            assertTrue(e.getMessage().contains("column family 'key_index'"), e.getMessage());
            assertTrue(e.getMessage().contains("foo"), e.getMessage());
        }
    }

    @Test
    void aCorruptStoreStateRefusesToOpen() throws Exception {
        try (RawRocks raw = new RawRocks(dir)) {
            raw.flipByte(Column.META, StoreState.KEY, 3);
        }
        CorruptionException e = assertThrows(CorruptionException.class, this::reopen);
        assertTrue(e.getMessage().contains("'meta': store state"), e.getMessage());
    }

    @Test
    void aFlippedByteInsideAnSstFileIsCaughtByRocksdbAndStopsTheStore() throws Exception {
        // Random bytes do not compress, so they appear as they are in the SST file.
        byte[] marker = new byte[256];
        new java.util.Random(42).nextBytes(marker);
        try (StoreDriver s = new StoreDriver(dir)) {
            s.apply(PutRequest.of(b("victim"), marker));
            s.store.exportSnapshot(); // a checkpoint flushes the memtables into SST files
        }
        // The value is in two families' files (history and current), which one comes first in the listing
        // depends on RocksDB's file numbers: damage both.
        for (Path sst : filesContaining(MvccStore.databaseDir(dir), marker)) {
            byte[] bytes = Files.readAllBytes(sst);
            int at = indexOf(bytes, marker);
            bytes[at + 20] ^= 0x01;
            Files.write(sst, bytes);
        }
        try (MvccStore store = reopen()) {
            StorageFailedException e = assertThrows(StorageFailedException.class,
                    () -> store.range(RangeRequest.key(b("victim"))));
            assertTrue(e.getMessage().contains("reading column family current: block checksum mismatch"),
                    e.getMessage());
            assertEquals(1, heard.size());
        }
    }

    private static java.util.List<Path> filesContaining(Path dbDir, byte[] needle) throws Exception {
        java.util.List<Path> found = new java.util.ArrayList<>();
        try (Stream<Path> files = Files.list(dbDir)) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".sst"))::iterator) {
                if (indexOf(Files.readAllBytes(p), needle) >= 0) {
                    found.add(p);
                }
            }
        }
        if (found.isEmpty()) throw new AssertionError("no SST file holds the value");
        return found;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
