package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static io.keel.storage.mvcc.StoreDriver.keys;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.RangeRequest.SortOrder;
import io.keel.storage.mvcc.api.RangeRequest.SortTarget;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.RangeResponse;
import io.keel.storage.mvcc.api.RevisionCompactedException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's Range: key ranges, limit/count/more, count_only, keys_only, sorting, filters, past revisions, errors. */
class RangeTest {
    @TempDir
    Path dir;
    StoreDriver s;

    @BeforeEach
    void fill() {
        s = new StoreDriver(dir);
        s.put("a", "3");      // rev 2
        s.put("b", "1");      // rev 3
        s.put("b/1", "2");    // rev 4
        s.put("b/2", "5");    // rev 5
        s.put("c", "4");      // rev 6
        s.put("b/1", "9");    // rev 7: b/1 version 2
        s.put("a\0x", "0");   // rev 8: a key with a zero byte
    }

    @AfterEach
    void close() {
        s.close();
    }

    private RangeResponse range(String key, String end) {
        return s.range(RangeRequest.of(new KeyRange(b(key), b(end))));
    }

    @Test
    void anEmptyRangeEndReadsOneKey() {
        assertEquals(List.of("b"), keys(s.range(RangeRequest.key(b("b"))).kvs()));
        assertEquals(0, s.range(RangeRequest.key(b("nope"))).count());
    }

    @Test
    void aRangeIsHalfOpenAndAZeroEndMeansEveryKeyFromThere() {
        assertEquals(List.of("b", "b/1", "b/2"), keys(range("b", "c").kvs()));
        assertEquals(List.of("b/1", "b/2"), keys(s.range(RangeRequest.of(KeyRange.prefix(b("b/")))).kvs()));
        assertEquals(List.of("b/2", "c"), keys(s.range(RangeRequest.of(KeyRange.atLeast(b("b/2")))).kvs()));
        assertEquals(List.of("a", "a\0x", "b", "b/1", "b/2", "c"),
                keys(s.range(RangeRequest.of(KeyRange.atLeast(new byte[] {0}))).kvs()));
        assertEquals(0, range("c", "a").count());
    }

    @Test
    void aLimitCutsTheResultWhileCountSaysHowManyMatchedAndMoreThatSomeWereCut() {
        RangeResponse r = s.range(RangeRequest.of(KeyRange.atLeast(b("a"))).withLimit(2));
        assertEquals(List.of("a", "a\0x"), keys(r.kvs()));
        assertEquals(6, r.count());
        assertTrue(r.more());
        RangeResponse exact = s.range(RangeRequest.of(KeyRange.prefix(b("b/"))).withLimit(2));
        assertEquals(2, exact.kvs().size());
        assertFalse(exact.more());
    }

    @Test
    void countOnlyCountsWithoutReturningKvsAndKeysOnlyDropsValues() {
        RangeResponse count = s.range(RangeRequest.of(KeyRange.prefix(b("b"))).withCountOnly());
        assertEquals(3, count.count());
        assertTrue(count.kvs().isEmpty());
        RangeResponse keysOnly = s.range(RangeRequest.key(b("b/1")).withKeysOnly());
        KeyValue kv = keysOnly.kvs().get(0);
        assertEquals(0, kv.value().length);
        assertEquals(4, kv.createRevision());
        assertEquals(7, kv.modRevision());
        assertEquals(2, kv.version());
    }

    @Test
    void sortsByEveryTargetInBothOrders() {
        RangeRequest all = RangeRequest.of(KeyRange.atLeast(b("a")));
        assertEquals(List.of("c", "b/2", "b/1", "b", "a\0x", "a"),
                keys(s.range(all.sorted(SortTarget.KEY, SortOrder.DESCEND)).kvs()));
        assertEquals(List.of("a\0x", "b", "a", "c", "b/2", "b/1"),
                keys(s.range(all.sorted(SortTarget.VALUE, SortOrder.ASCEND)).kvs()));
        assertEquals(List.of("a", "b", "b/1", "b/2", "c", "a\0x"),
                keys(s.range(all.sorted(SortTarget.CREATE, SortOrder.ASCEND)).kvs()));
        assertEquals(List.of("a\0x", "b/1", "c", "b/2", "b", "a"),
                keys(s.range(all.sorted(SortTarget.MOD, SortOrder.DESCEND)).kvs()));
        // Ties keep key order; b/1 is the only key at version 2.
        assertEquals(List.of("b/1", "a", "a\0x", "b", "b/2", "c"),
                keys(s.range(all.sorted(SortTarget.VERSION, SortOrder.DESCEND)).kvs()));
        // A target other than KEY with order NONE sorts ascending, as etcd does.
        assertEquals(List.of("a", "b", "b/1", "b/2", "c", "a\0x"),
                keys(s.range(all.sorted(SortTarget.CREATE, SortOrder.NONE)).kvs()));
    }

    @Test
    void sortingHappensBeforeTheLimit() {
        RangeResponse r = s.range(RangeRequest.of(KeyRange.atLeast(b("a"))).sorted(SortTarget.KEY,
                SortOrder.DESCEND).withLimit(2));
        assertEquals(List.of("c", "b/2"), keys(r.kvs()));
        assertTrue(r.more());
        assertEquals(6, r.count());
    }

    @Test
    void filtersByModAndCreateRevisionWithCountTakenBeforeFiltering() {
        RangeRequest all = RangeRequest.of(KeyRange.atLeast(b("a")));
        RangeResponse mod = s.range(all.withModRevisions(4, 7));
        assertEquals(List.of("b/1", "b/2", "c"), keys(mod.kvs()));
        assertEquals(6, mod.count());
        assertEquals(List.of("a", "b", "b/1"), keys(s.range(all.withCreateRevisions(0, 4)).kvs()));
        assertEquals(List.of("a\0x", "c"), keys(s.range(all.withCreateRevisions(6, 0)).kvs()));
    }

    @Test
    void readsAtAPastRevisionSeeTheStoreAsItWas() {
        RangeResponse r = s.range(RangeRequest.of(KeyRange.prefix(b("b"))).atRevision(4));
        assertEquals(List.of("b", "b/1"), keys(r.kvs()));
        assertEquals("2", StoreDriver.s(r.kvs().get(1).value()));
        assertEquals(8, r.revision());
        RangeResponse limited = s.range(RangeRequest.of(KeyRange.atLeast(b("a"))).atRevision(6).withLimit(1));
        assertEquals(5, limited.count());
        assertTrue(limited.more());
        assertEquals(0, s.range(RangeRequest.of(KeyRange.atLeast(b("a"))).atRevision(1)).count());
        assertEquals(s.range(RangeRequest.of(KeyRange.atLeast(b("a")))),
                s.range(RangeRequest.of(KeyRange.atLeast(b("a"))).atRevision(8)));
    }

    @Test
    void aPastRangeDoesNotConfuseAKeyWithALongerKeySharingItsBytes() {
        // "a" and "a\0x" must stay apart in the key index, at every revision.
        assertEquals(List.of("a"), keys(s.range(RangeRequest.key(b("a")).atRevision(7)).kvs()));
        assertEquals(List.of("a", "a\0x"),
                keys(s.range(RangeRequest.of(new KeyRange(b("a"), b("b"))).atRevision(8)).kvs()));
        assertArrayEquals(b("a\0x"),
                s.range(RangeRequest.key(b("a\0x")).atRevision(8)).kvs().get(0).key());
    }

    @Test
    void aFutureRevisionAndAnEmptyKeyAreRefusedWithEtcdsErrors() {
        MvccException future = assertThrows(MvccException.class,
                () -> s.range(RangeRequest.key(b("a")).atRevision(9)));
        assertEquals("etcdserver: mvcc: required revision is a future revision", future.getMessage());
        assertEquals(EtcdError.Code.OUT_OF_RANGE, future.error().code());
        MvccException empty = assertThrows(MvccException.class, () -> s.range(RangeRequest.key(new byte[0])));
        assertEquals("etcdserver: key is not provided", empty.getMessage());
    }

    @Test
    void aRevisionBelowTheCompactedOneIsRefusedAndTheCompactedOneItselfIsReadable() {
        s.compact(5);
        RevisionCompactedException e = assertThrows(RevisionCompactedException.class,
                () -> s.range(RangeRequest.key(b("a")).atRevision(4)));
        assertEquals("etcdserver: mvcc: required revision has been compacted", e.getMessage());
        assertEquals(5, e.compactRevision());
        assertEquals(List.of("b", "b/1", "b/2"),
                keys(s.range(RangeRequest.of(KeyRange.prefix(b("b"))).atRevision(5)).kvs()));
    }
}
