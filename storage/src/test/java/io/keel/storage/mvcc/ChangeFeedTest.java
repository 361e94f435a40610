package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static io.keel.storage.mvcc.StoreDriver.kv;
import static io.keel.storage.mvcc.StoreDriver.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.storage.mvcc.api.ChangeBatch;
import io.keel.storage.mvcc.api.Event;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RevisionCompactedException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The change feed a watch is built on: order, ranges, prev_kv, batching at revision boundaries, compaction. */
class ChangeFeedTest {
    @TempDir
    Path dir;
    StoreDriver s;

    @BeforeEach
    void fill() {
        s = new StoreDriver(dir);
        s.put("w/a", "1");                        // 2
        s.put("x", "1");                          // 3
        s.put("w/a", "2");                        // 4
        s.txn(List.of(), List.of(PutRequest.of(b("w/b"), b("1")), PutRequest.of(b("w/c"), b("1"))),
                List.of());                      // 5
        s.delete("w/a");                          // 6
    }

    @AfterEach
    void close() {
        s.close();
    }

    private static List<String> describe(List<Event> events) {
        return events.stream().map(e -> e.type() + " " + s(e.kv().key()) + "@" + e.kv().modRevision()).toList();
    }

    @Test
    void eventsForARangeComeInRevisionOrderFromTheRequestedRevision() {
        ChangeBatch c = s.store.changesSince(3, KeyRange.prefix(b("w/")), false, 100);
        assertEquals(List.of("PUT w/a@4", "PUT w/b@5", "PUT w/c@5", "DELETE w/a@6"), describe(c.events()));
        assertEquals(7, c.nextRevision());
        assertEquals(6, c.headerRevision());
        assertEquals(List.of("PUT x@3"), describe(s.store.changesSince(1, b("x"), null).events()));
        assertEquals(kv("w/a", 2, 4, 2, "2", 0), c.events().get(0).kv());
        assertEquals(KeyValue.tombstone(b("w/a"), 6), c.events().get(3).kv());
    }

    @Test
    void prevKvIsTheVersionBeforeEachChange() {
        List<Event> events = s.store.changesSince(2, KeyRange.prefix(b("w/")), true, 100).events();
        assertNull(events.get(0).prevKv(), "a created key has no previous version");
        assertEquals(kv("w/a", 2, 2, 1, "1", 0), events.get(1).prevKv());
        assertEquals(kv("w/a", 2, 4, 2, "2", 0), events.get(4).prevKv());
        assertEquals(Event.Type.DELETE, events.get(4).type());
    }

    @Test
    void aBatchStopsBetweenRevisionsAndSaysWhereToContinue() {
        ChangeBatch first = s.store.changesSince(2, KeyRange.prefix(b("w/")), false, 2);
        assertEquals(List.of("PUT w/a@2", "PUT w/a@4"), describe(first.events()));
        assertEquals(5, first.nextRevision());
        ChangeBatch second = s.store.changesSince(first.nextRevision(), KeyRange.prefix(b("w/")), false, 1);
        assertEquals(List.of("PUT w/b@5", "PUT w/c@5"), describe(second.events()), "revision 5 is not split");
        assertEquals(6, second.nextRevision());
        ChangeBatch upToDate = s.store.changesSince(7, KeyRange.prefix(b("w/")), false, 10);
        assertTrue(upToDate.events().isEmpty());
        assertEquals(7, upToDate.nextRevision());
        assertEquals(9, s.store.changesSince(9, KeyRange.prefix(b("w/")), false, 10).nextRevision());
    }

    @Test
    void belowTheCompactedRevisionTheFeedIsRefusedWithThatRevision() {
        s.compact(4);
        RevisionCompactedException e = assertThrows(RevisionCompactedException.class,
                () -> s.store.changesSince(3, KeyRange.prefix(b("w/")), false, 10));
        assertEquals(4, e.compactRevision());
        assertEquals(List.of("PUT w/a@4", "PUT w/b@5", "PUT w/c@5", "DELETE w/a@6"),
                describe(s.store.changesSince(4, KeyRange.prefix(b("w/")), true, 10).events()));
        assertNull(s.store.changesSince(4, KeyRange.prefix(b("w/")), true, 10).events().get(0).prevKv(),
                "the version before the compacted revision is gone, as in etcd");
    }
}
