package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.storage.mvcc.api.AlreadyApplied;
import io.keel.storage.mvcc.api.ApplyResult;
import io.keel.storage.mvcc.api.Compare;
import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.LeaseGrantRequest;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.NoOp;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.Response;
import io.keel.storage.mvcc.api.TxnRequest;
import io.keel.storage.mvcc.api.TxnResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The applied index: stored with the data, replay is a no-op, gaps are refused, batches are atomic per entry. */
class AppliedIndexTest {
    @TempDir
    Path dir;
    MvccStore store;

    @BeforeEach
    void open() {
        store = MvccStore.open(dir);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static PutRequest put(String k, String v) {
        return PutRequest.of(b(k), b(v));
    }

    @Test
    void replayingAnAppliedEntryChangesNothingEvenAfterARestart() {
        store.apply(1, put("a", "1"));
        store.apply(2, put("a", "2"));
        store.close();
        store = MvccStore.open(dir);
        assertEquals(2, store.appliedIndex());
        Response replay = store.apply(2, put("a", "2"));
        assertInstanceOf(AlreadyApplied.class, replay);
        assertInstanceOf(AlreadyApplied.class, store.apply(1, put("a", "1")));
        assertEquals(3, store.revision());
        assertEquals(2, store.range(RangeRequest.key(b("a"))).kvs().get(0).version());
    }

    @Test
    void skippingAnEntryIsRefused() {
        store.apply(1, put("a", "1"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.apply(3, put("a", "3")));
        assertTrue(e.getMessage().contains("entry 2 would be skipped"), e.getMessage());
        assertEquals(1, store.appliedIndex());
    }

    @Test
    void entriesWithoutAStoreOperationAndRefusedOnesStillAdvanceTheAppliedIndex() {
        store.apply(1, NoOp.INSTANCE);
        assertThrows(MvccException.class, () -> store.apply(2, put("a", "x").withLease(5)));
        assertEquals(2, store.appliedIndex());
        assertEquals(1, store.revision());
        store.close();
        store = MvccStore.open(dir);
        assertEquals(2, store.appliedIndex());
    }

    @Test
    void aBatchAppliesEachEntryOnTopOfThePreviousOneAndRollsBackOnlyARefusedOne() {
        List<ApplyResult> results = store.applyAll(1, List.of(
                put("a", "1"),
                new TxnRequest(List.of(Compare.value(b("a"), Compare.Result.EQUAL, b("1"))),
                        List.of(put("b", "saw a")), List.of()),
                new TxnRequest(List.of(), List.of(put("c", "half"), put("d", "x").withLease(77)), List.of()),
                put("a", "2"),
                new LeaseGrantRequest(8, 10),
                put("e", "leased").withLease(8)));
        assertEquals(6, results.size());
        assertTrue(((TxnResponse) results.get(1).response()).succeeded());
        assertEquals(EtcdError.LEASE_NOT_FOUND, results.get(2).error().error());
        assertNull(results.get(2).response());
        assertEquals(4, results.get(3).response().revision());
        assertEquals(6, store.appliedIndex());
        assertEquals(5, store.revision());
        assertEquals(List.of("a", "b", "e"), StoreDriver.keys(
                store.range(RangeRequest.of(KeyRange.atLeast(b("a")))).kvs()));
        List<ApplyResult> overlap = store.applyAll(5, List.of(new LeaseGrantRequest(8, 10),
                put("e", "leased").withLease(8), put("f", "new")));
        assertInstanceOf(AlreadyApplied.class, overlap.get(0).response());
        assertInstanceOf(AlreadyApplied.class, overlap.get(1).response());
        assertEquals(6, overlap.get(2).response().revision());
        assertEquals(7, store.appliedIndex());
    }
}
