package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.storage.mvcc.api.ApplyResult;
import io.keel.storage.mvcc.api.Compare;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.LeaseGrantRequest;
import io.keel.storage.mvcc.api.LeaseRevokeRequest;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.PutResponse;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.TxnRequest;
import io.keel.storage.mvcc.api.TxnResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The apply thread's cache of current records seen through the store: what a refused operation leaves behind and
 * how leases granted or revoked within a batch are seen by the writes after them ({@code apply.CurrentCacheTest}
 * tests the cache itself).
 */
class CurrentCacheStoreTest {
    @Test
    void throughTheStoreARefusedTransactionLeavesNoTraceInWhatLaterWritesSee(@TempDir Path dir) {
        try (StoreDriver s = new StoreDriver(dir)) {
            long created = s.applyAll(List.of(PutRequest.of(b("k"), b("v1")), PutRequest.of(b("other"), b("x"))))
                    .get(0).response().revision();
            // A put of k, and a put with no value to keep (ignore_value on a key that does not exist): refused.
            // Transaction's checks refuse it before its first write today; the journal of pending writes is for
            // an operation refused half-way (apply.CurrentCacheTest's
            // aRefusedOperationTakesItsWritesOutAndLeavesTheEarlierOnes tests it directly).
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
     * The cache keeps only each key's leading fields once its batch is written: a put that returns the previous
     * version (prev_kv) or keeps its value (ignore_value), and a compare on the value, read the value whole from
     * the database; compares on revisions are answered from the cache.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(longs = {0, 16L << 20})
    void writesThatNeedThePreviousValueGetItWhole(long cacheBytes, @TempDir Path dir) {
        try (StoreDriver s = new StoreDriver(dir, MvccOptions.defaults().withCurrentCacheBytes(cacheBytes))) {
            long first = s.applyAll(List.of(PutRequest.of(b("k"), b("v1")))).get(0).response().revision();
            PutResponse second = (PutResponse) s.applyAll(List.of(PutRequest.of(b("k"), b("v2")).withPrevKv()))
                    .get(0).response();
            assertArrayEquals(b("v1"), second.prevKv().value(), "prev_kv carries the value");
            assertEquals(first, second.prevKv().modRevision());
            s.grant(5, 60);
            s.applyAll(List.of(PutRequest.of(b("k"), b("")).ignoringValue().withLease(5)));
            KeyValue k = s.store.range(RangeRequest.of(KeyRange.single(b("k")))).kvs().get(0);
            assertArrayEquals(b("v2"), k.value(), "ignore_value kept the value");
            assertEquals(5, k.lease());
            TxnRequest casOnValue = new TxnRequest(List.of(Compare.value(b("k"), Compare.Result.EQUAL, b("v2"))),
                    List.of(PutRequest.of(b("k"), b("v3"))), List.of());
            TxnRequest casOnMod = new TxnRequest(
                    List.of(Compare.modRevision(b("k"), Compare.Result.EQUAL, k.modRevision())),
                    List.of(PutRequest.of(b("k"), b("v4"))), List.of());
            List<ApplyResult> cas = s.applyAll(List.of(casOnValue));
            assertTrue(((TxnResponse) cas.get(0).response()).succeeded(), "the value compared whole");
            cas = s.applyAll(List.of(casOnMod));
            assertFalse(((TxnResponse) cas.get(0).response()).succeeded(), "v3 moved the mod revision");
            KeyValue now = s.store.range(RangeRequest.of(KeyRange.single(b("k")))).kvs().get(0);
            assertArrayEquals(b("v3"), now.value());
            assertEquals(4, now.version(), "v1, v2, the lease change, v3");
            assertEquals(first, now.createRevision());
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
