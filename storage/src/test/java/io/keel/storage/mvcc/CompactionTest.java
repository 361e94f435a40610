package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static io.keel.storage.mvcc.StoreDriver.kv;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.KeyspaceHash;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.RevisionCompactedException;
import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.layout.KeyIndexEntry;
import io.keel.storage.mvcc.layout.RevisionKey;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compaction keeps each key's last version at or below the revision and refuses reads below it. */
class CompactionTest {
    @TempDir
    Path dir;
    StoreDriver s;

    @BeforeEach
    void fill() {
        s = new StoreDriver(dir);
        s.put("a", "1");   // 2
        s.put("a", "2");   // 3
        s.put("b", "1");   // 4
        s.delete("b");     // 5
        s.put("c", "1");   // 6
        s.put("a", "3");   // 7
    }

    @AfterEach
    void close() {
        s.close();
    }

    @Test
    void readsAtAndAboveTheCompactedRevisionAreUnchanged() {
        s.compact(6);
        assertEquals(6, s.store.compactRevision());
        assertEquals(kv("a", 2, 3, 2, "2", 0), s.getAt("a", 6));
        assertNull(s.getAt("b", 6));
        assertEquals(kv("c", 6, 6, 1, "1", 0), s.getAt("c", 6));
        assertEquals(kv("a", 2, 7, 3, "3", 0), s.get("a"));
        assertEquals(2, s.range(RangeRequest.of(KeyRange.atLeast(b("a"))).atRevision(6)).count());
    }

    @Test
    void readsAndChangesBelowItAreRefusedAndCompactingAgainAtOrBelowItToo() {
        s.compact(5);
        assertThrows(RevisionCompactedException.class, () -> s.getAt("a", 4));
        assertThrows(RevisionCompactedException.class, () -> s.store.changesSince(4, b("a"), null));
        RevisionCompactedException again = assertThrows(RevisionCompactedException.class, () -> s.compact(5));
        assertEquals(5, again.compactRevision());
        assertThrows(RevisionCompactedException.class, () -> s.compact(3));
        assertEquals("etcdserver: mvcc: required revision is a future revision",
                assertThrows(MvccException.class, () -> s.compact(8)).getMessage());
        assertEquals(5, s.store.compactRevision());
    }

    @Test
    void historyBelowIsRemovedKeepingOneVersionPerLiveKeyAndNoTombstone() throws Exception {
        // Before: a@2, a@3, b@4, b deleted@5, c@6, a@7.
        s.compact(6);
        s.close();
        try (RawRocks raw = new RawRocks(dir)) {
            // After: a@3 (its last version at or below 6), c@6, a@7; b's put and tombstone are gone.
            assertEquals(List.of("revision 3/0", "revision 6/0", "revision 7/0"),
                    raw.keys(Column.HISTORY).stream().map(RevisionKey::describe).toList());
            assertEquals(List.of(3L, 7L, 6L), raw.keys(Column.KEY_INDEX).stream().map(KeyIndexEntry::main).toList());
        }
        s.reopen();
        assertEquals(kv("a", 2, 3, 2, "2", 0), s.getAt("a", 6));
        s.compact(7);
        assertEquals(kv("a", 2, 7, 3, "3", 0), s.getAt("a", 7));
        assertEquals(kv("c", 6, 6, 1, "1", 0), s.getAt("c", 7));
    }

    @Test
    void aCompactionAtTheCurrentRevisionKeepsEveryLiveKeyAndSurvivesARestart() {
        KeyspaceHash before = s.store.keyspaceHash();
        s.compact(7);
        s.reopen();
        assertEquals(7, s.store.compactRevision());
        assertEquals(List.of("a", "c"), StoreDriver.keys(s.all()));
        s.put("b", "again");
        assertEquals(kv("b", 8, 8, 1, "again", 0), s.get("b"));
        assertEquals(kv("a", 2, 7, 3, "3", 0), s.getAt("a", 7));
        assertThrows(RevisionCompactedException.class, () -> s.store.keyspaceHash(7));
        assertEquals(7, before.revision());
    }
}
