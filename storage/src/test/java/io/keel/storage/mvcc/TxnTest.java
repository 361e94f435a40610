package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static io.keel.storage.mvcc.StoreDriver.kv;
import static io.keel.storage.mvcc.StoreDriver.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.storage.mvcc.api.Compare.Result;
import io.keel.storage.mvcc.api.Compare;
import io.keel.storage.mvcc.api.DeleteRangeRequest;
import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.RangeResponse;
import io.keel.storage.mvcc.api.RevisionCompactedException;
import io.keel.storage.mvcc.api.TxnRequest;
import io.keel.storage.mvcc.api.TxnResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's Txn: compares, branches, one revision, atomicity, nesting, and the duplicate-key rule. */
class TxnTest {
    @TempDir
    Path dir;
    StoreDriver s;

    @BeforeEach
    void fill() {
        s = new StoreDriver(dir);
        s.put("a", "1");             // rev 2
        s.put("a", "2");             // rev 3: a version 2, create 2, mod 3
        s.put("b", "x");             // rev 4
    }

    @AfterEach
    void close() {
        s.close();
    }

    private boolean holds(Compare c) {
        TxnResponse r = s.txn(List.of(c), List.of(), List.of());
        return r.succeeded();
    }

    @Test
    void comparesEveryTargetWithEveryResult() {
        assertTrue(holds(Compare.value(b("a"), Result.EQUAL, b("2"))));
        assertTrue(holds(Compare.value(b("a"), Result.GREATER, b("1"))));
        assertTrue(holds(Compare.value(b("a"), Result.LESS, b("3"))));
        assertTrue(holds(Compare.value(b("a"), Result.NOT_EQUAL, b("1"))));
        assertFalse(holds(Compare.value(b("a"), Result.EQUAL, b("1"))));
        assertTrue(holds(Compare.version(b("a"), Result.EQUAL, 2)));
        assertTrue(holds(Compare.version(b("a"), Result.GREATER, 1)));
        assertTrue(holds(Compare.createRevision(b("a"), Result.EQUAL, 2)));
        assertTrue(holds(Compare.createRevision(b("a"), Result.LESS, 3)));
        assertTrue(holds(Compare.modRevision(b("a"), Result.EQUAL, 3)));
        assertFalse(holds(Compare.modRevision(b("a"), Result.NOT_EQUAL, 3)));
        assertTrue(holds(Compare.lease(b("a"), Result.EQUAL, 0)));
        assertFalse(holds(Compare.lease(b("a"), Result.GREATER, 0)));
        assertEquals(4, s.store.revision(), "transactions that write nothing keep the revision");
    }

    @Test
    void aMissingKeyComparesAsZerosExceptThatItsValueNeverCompares() {
        assertTrue(holds(Compare.version(b("nope"), Result.EQUAL, 0)));
        assertTrue(holds(Compare.createRevision(b("nope"), Result.EQUAL, 0)));
        assertFalse(holds(Compare.value(b("nope"), Result.EQUAL, new byte[0])));
        assertFalse(holds(Compare.value(b("nope"), Result.NOT_EQUAL, b("x"))));
    }

    @Test
    void aCompareOverARangeMustHoldForEveryKeyInIt() {
        assertTrue(holds(Compare.version(b("a"), Result.GREATER, 0).overRange(b("c"))));
        assertFalse(holds(Compare.version(b("a"), Result.EQUAL, 2).overRange(b("c"))));
        assertTrue(holds(Compare.modRevision(b("a"), Result.LESS, 5).overRange(new byte[] {0})));
    }

    @Test
    void theBranchTakenDependsOnTheComparesAndItsWritesShareOneRevision() {
        TxnResponse t = s.txn(List.of(Compare.value(b("a"), Result.EQUAL, b("2"))),
                List.of(PutRequest.of(b("a"), b("3")), PutRequest.of(b("c"), b("new")), DeleteRangeRequest.key(b("b"))),
                List.of(PutRequest.of(b("failed"), b("yes"))));
        assertTrue(t.succeeded());
        assertEquals(5, t.revision());
        assertEquals(3, t.responses().size());
        assertEquals(kv("a", 2, 5, 3, "3", 0), s.get("a"));
        assertEquals(kv("c", 5, 5, 1, "new", 0), s.get("c"));
        assertNull(s.get("b"));
        assertNull(s.get("failed"));
        TxnResponse f = s.txn(List.of(Compare.value(b("a"), Result.EQUAL, b("2"))),
                List.of(PutRequest.of(b("x"), b("1"))), List.of(PutRequest.of(b("failed"), b("yes"))));
        assertFalse(f.succeeded());
        assertEquals(kv("failed", 6, 6, 1, "yes", 0), s.get("failed"));
    }

    @Test
    void aRangeInsideTheTransactionSeesTheWritesBeforeIt() {
        TxnResponse t = s.txn(List.of(), List.of(
                RangeRequest.key(b("a")),
                PutRequest.of(b("a"), b("3")),
                RangeRequest.key(b("a")),
                DeleteRangeRequest.key(b("b")),
                RangeRequest.of(KeyRange.atLeast(b("a")))), List.of());
        RangeResponse before = (RangeResponse) t.responses().get(0);
        RangeResponse after = (RangeResponse) t.responses().get(2);
        RangeResponse all = (RangeResponse) t.responses().get(4);
        assertEquals("2", s(before.kvs().get(0).value()));
        assertEquals(4, before.revision());
        assertEquals(kv("a", 2, 5, 3, "3", 0), after.kvs().get(0));
        assertEquals(5, after.revision());
        assertEquals(1, all.count());
    }

    @Test
    void comparesOfNestedTransactionsSeeTheStateBeforeTheOuterOne() {
        TxnResponse t = s.txn(List.of(), List.of(
                PutRequest.of(b("a"), b("changed")),
                new TxnRequest(List.of(Compare.value(b("a"), Result.EQUAL, b("2"))),
                        List.of(PutRequest.of(b("n"), b("saw-before"))),
                        List.of(PutRequest.of(b("n"), b("saw-after"))))), List.of());
        TxnResponse nested = (TxnResponse) t.responses().get(1);
        assertTrue(nested.succeeded());
        assertEquals("saw-before", s(s.get("n").value()));
        assertEquals(5, s.get("n").modRevision());
    }

    @Test
    void aTransactionThatWouldFailHalfWayWritesNothing() {
        long revision = s.store.revision();
        MvccException e = assertThrows(MvccException.class, () -> s.txn(List.of(), List.of(
                PutRequest.of(b("a"), b("partial")),
                DeleteRangeRequest.key(b("b")),
                PutRequest.of(b("c"), b("1")).withLease(99)), List.of()));
        assertEquals(EtcdError.LEASE_NOT_FOUND, e.error());
        assertEquals(revision, s.store.revision());
        assertEquals("2", s(s.get("a").value()));
        assertEquals("x", s(s.get("b").value()));
        assertThrows(MvccException.class, () -> s.txn(List.of(),
                List.of(PutRequest.of(b("a"), b("partial")), PutRequest.of(b("zz"), null).ignoringValue()),
                List.of()));
        assertThrows(RevisionCompactedException.class, () -> {
            s.compact(3);
            s.txn(List.of(), List.of(PutRequest.of(b("a"), b("partial")), RangeRequest.key(b("a")).atRevision(2)),
                    List.of());
        });
        assertEquals("2", s(s.get("a").value()));
        assertEquals(revision, s.store.revision());
    }

    @Test
    void theSameKeyMayNotBePutTwiceOrPutInsideADeletedRange() {
        String dup = "etcdserver: duplicate key given in txn request";
        assertEquals(dup, assertThrows(MvccException.class, () -> s.txn(List.of(),
                List.of(PutRequest.of(b("k"), b("1")), PutRequest.of(b("k"), b("2"))), List.of())).getMessage());
        assertEquals(dup, assertThrows(MvccException.class, () -> s.txn(List.of(),
                List.of(DeleteRangeRequest.of(KeyRange.prefix(b("k"))), PutRequest.of(b("k1"), b("2"))),
                List.of())).getMessage());
        assertEquals(dup, assertThrows(MvccException.class, () -> s.txn(List.of(),
                List.of(PutRequest.of(b("k"), b("1")),
                        new TxnRequest(List.of(), List.of(PutRequest.of(b("k"), b("2"))), List.of())),
                List.of())).getMessage());
        assertEquals(4, s.store.revision());
        // Allowed: the same key in both branches, in a nested txn's two branches, deleted twice, or read.
        s.txn(List.of(), List.of(PutRequest.of(b("k"), b("1"))), List.of(PutRequest.of(b("k"), b("2"))));
        s.txn(List.of(), List.of(new TxnRequest(List.of(), List.of(PutRequest.of(b("m"), b("1"))),
                List.of(PutRequest.of(b("m"), b("2"))))), List.of());
        s.txn(List.of(), List.of(DeleteRangeRequest.key(b("k")), DeleteRangeRequest.key(b("k")),
                RangeRequest.key(b("k")), PutRequest.of(b("j"), b("1"))), List.of());
        assertEquals(7, s.store.revision());
    }

    @Test
    void aReadOnlyTransactionIsAnsweredFromASnapshotWithoutAnEntry() {
        long applied = s.store.appliedIndex();
        TxnResponse r = s.store.readTxn(new TxnRequest(List.of(Compare.version(b("a"), Result.EQUAL, 2)),
                List.of(RangeRequest.key(b("a"))), List.of(RangeRequest.key(b("b")))));
        assertTrue(r.succeeded());
        assertEquals("2", s(((RangeResponse) r.responses().get(0)).kvs().get(0).value()));
        assertEquals(applied, s.store.appliedIndex());
        assertThrows(IllegalArgumentException.class, () -> s.store.readTxn(new TxnRequest(List.of(),
                List.of(PutRequest.of(b("a"), b("1"))), List.of())));
    }

    @Test
    void anEmptyKeyAnywhereInATransactionIsRefused() {
        assertEquals(EtcdError.EMPTY_KEY, assertThrows(MvccException.class, () -> s.txn(
                List.of(Compare.version(new byte[0], Result.EQUAL, 0)), List.of(), List.of())).error());
        assertEquals(EtcdError.EMPTY_KEY, assertThrows(MvccException.class, () -> s.txn(List.of(), List.of(),
                List.of(new TxnRequest(List.of(), List.of(RangeRequest.key(new byte[0])), List.of())))).error());
    }
}
