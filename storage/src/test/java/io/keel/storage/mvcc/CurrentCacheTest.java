package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The apply thread's cache of current records: what it answers, what a refused operation and a failed batch take
 * out of it, and its bound. ModelTest runs the whole store against a reference model with it off, tiny and at its
 * default size.
 */
class CurrentCacheTest {
    @Test
    void writesOfABatchAreSeenInTheBatchAndKeptOnceItCommits() {
        CurrentCache c = new CurrentCache(1 << 20);
        assertSame(CurrentCache.MISS, c.lookup(b("a")));
        c.remember(b("a"), null);
        assertNull(c.lookup(b("a")), "known absent");
        c.setSavePoint();
        c.wrote(b("a"), b("A1"));
        c.releaseSavePoint();
        assertArrayEquals(b("A1"), c.lookup(b("a")));
        c.batchCommitted();
        assertArrayEquals(b("A1"), c.lookup(b("a")));
    }

    @Test
    void aRefusedOperationTakesItsWritesOutAndLeavesTheEarlierOnes() {
        CurrentCache c = new CurrentCache(1 << 20);
        c.remember(b("a"), b("A0"));
        c.setSavePoint();
        c.wrote(b("a"), b("A1"));
        c.releaseSavePoint();
        c.setSavePoint();
        c.wrote(b("a"), b("A2"));
        c.wrote(b("b"), b("B1"));
        c.wrote(b("a"), null);
        c.rollBackToSavePoint();
        assertArrayEquals(b("A1"), c.lookup(b("a")), "the first operation's write stays");
        assertSame(CurrentCache.MISS, c.lookup(b("b")), "the refused operation's key is unknown again");
        c.batchCommitted();
        assertArrayEquals(b("A1"), c.lookup(b("a")));
    }

    @Test
    void aBatchThatIsNotWrittenForgetsEveryKeyItTouched() {
        CurrentCache c = new CurrentCache(1 << 20);
        c.remember(b("a"), b("A0"));
        c.remember(b("z"), b("Z0"));
        c.setSavePoint();
        c.wrote(b("a"), b("A1"));
        c.batchDiscarded();
        assertSame(CurrentCache.MISS, c.lookup(b("a")), "neither the batch's value nor the one before it is trusted");
        assertArrayEquals(b("Z0"), c.lookup(b("z")), "untouched keys stay");
    }

    @Test
    void itStaysWithinItsBytesDroppingTheLeastRecentlyUsedAndNeverHoldsAHugeRecord() {
        CurrentCache c = new CurrentCache(4096);
        for (int i = 0; i < 200; i++) c.remember(b("key" + i), new byte[40]);
        assertTrue(c.size() < 40, "4 KiB holds a few dozen small records, not " + c.size());
        assertSame(CurrentCache.MISS, c.lookup(b("key0")), "the oldest went first");
        assertEquals(40, c.lookup(b("key199")).length);
        c.remember(b("big"), new byte[1000]);
        assertSame(CurrentCache.MISS, c.lookup(b("big")), "a record over a sixteenth of the budget is not kept");
    }

    @Test
    void offItKnowsNothing() {
        CurrentCache c = new CurrentCache(0);
        c.remember(b("a"), b("A0"));
        c.wrote(b("a"), b("A1"));
        assertSame(CurrentCache.MISS, c.lookup(b("a")));
    }

    @Test
    void throughTheStoreARefusedTransactionLeavesNoTraceInWhatLaterWritesSee(@TempDir Path dir) {
        try (StoreDriver s = new StoreDriver(dir)) {
            long created = s.applyAll(List.of(PutRequest.of(b("k"), b("v1")), PutRequest.of(b("other"), b("x"))))
                    .get(0).response().revision();
            // A put of k, and a put with no value to keep (ignore_value on a key that does not exist): refused.
            // Transaction's checks refuse it before its first write today; the journal of pending writes is for
            // an operation refused half-way (a_refused_operation_takes_its_writes_out_... tests it directly).
            TxnRequest refused = new TxnRequest(List.of(), List.of(PutRequest.of(b("k"), b("v2")),
                    PutRequest.of(b("absent"), b("")).ignoringValue()), List.of());
            List<ApplyResult> results = s.applyAll(List.of(refused, PutRequest.of(b("k"), b("v3"))));
            assertTrue(results.get(0).refused(), "the second put has no value to keep");
            KeyValue k = s.store.range(RangeRequest.of(KeyRange.single(b("k")))).kvs().get(0);
            assertArrayEquals(b("v3"), k.value());
            assertEquals(2, k.version(), "v1 then v3: the refused v2 never counted");
            assertEquals(created, k.createRevision(), "created by the first put");
        }
    }

    /**
     * Leases are cached too (a put attached to a lease checks that it exists): grants, revocations and refusals
     * within one batch and across batches answer the same with the caches at their default size as with them off.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(longs = {0, 16L << 20})
    void aLeaseGrantedOrRevokedInABatchIsSeenByTheWritesAfterIt(long cacheBytes, @TempDir Path dir) {
        try (StoreDriver s = new StoreDriver(dir, MvccOptions.defaults().withCurrentCacheBytes(cacheBytes))) {
            List<ApplyResult> first = s.applyAll(List.of(
                    PutRequest.of(b("early"), b("v")).withLease(9), // not granted yet
                    new LeaseGrantRequest(9, 60),
                    PutRequest.of(b("k"), b("v")).withLease(9),
                    new LeaseGrantRequest(9, 60), // exists
                    new LeaseRevokeRequest(9),
                    PutRequest.of(b("late"), b("v")).withLease(9))); // revoked
            assertEquals(List.of(true, false, false, true, false, true),
                    first.stream().map(ApplyResult::refused).toList(), "which operations were refused");
            assertTrue(s.all().isEmpty(), "k left with its lease");
            assertThrows(MvccException.class, () -> s.put("again", "v", 9), "still revoked in the next batch");
            s.grant(9, 30);
            s.put("again", "v", 9);
            assertEquals(30, s.store.lease(9).orElseThrow().grantedTtl());
            assertEquals(List.of("again"), StoreDriver.keys(s.all()));
        }
    }
}
