package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static io.keel.storage.mvcc.StoreDriver.keys;
import static io.keel.storage.mvcc.StoreDriver.kv;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.storage.mvcc.api.ApplyResult;
import io.keel.storage.mvcc.api.CompactRequest;
import io.keel.storage.mvcc.api.Compare;
import io.keel.storage.mvcc.api.DeleteRangeRequest;
import io.keel.storage.mvcc.api.DeleteRangeResponse;
import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.LeaseExpireBatchRequest;
import io.keel.storage.mvcc.api.LeaseExpireRequest;
import io.keel.storage.mvcc.api.LeaseGrantRequest;
import io.keel.storage.mvcc.api.LeaseRevokeRequest;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.PutResponse;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.RangeResponse;
import io.keel.storage.mvcc.api.RevisionCompactedException;
import io.keel.storage.mvcc.api.TxnOp;
import io.keel.storage.mvcc.api.TxnRequest;
import io.keel.storage.mvcc.api.TxnResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An entry reads what the entries before it in the same {@code applyAll} wrote, and an operation reads its own
 * writes, although the batch is a plain WriteBatch that cannot be read ({@code apply.ApplyBatch}): point reads of
 * CURRENT and LEASE come from the caches' pending layer, and every other read of a batch holding writes has its
 * entry applied again indexed. Each case is applied as one batch to one store and one entry per call to another;
 * the answers, the keys, the history (HashKV over every stored version) and the leases must agree, and the case's
 * own assertions say what etcd answers. With the apply thread's record cache off (only the pending layer) and on.
 */
class BatchReadsOwnWritesTest {

    static Stream<Long> cacheBytes() {
        return Stream.of(0L, MvccOptions.defaults().currentCacheBytes());
    }

    @TempDir
    Path dir;
    /** The store each case applied as one batch, open for the case's own checks. */
    private StoreDriver batchStore;

    @ParameterizedTest(name = "current cache {0} bytes")
    @MethodSource("cacheBytes")
    void aPutSeesThePutBeforeItInTheBatch(long cacheBytes) {
        List<ApplyResult> r = oneBatchAgreesWithOneByOne(cacheBytes, List.of(
                put("k", "v1"),
                PutRequest.of(b("k"), b("v2")).withPrevKv()));
        assertEquals(kv("k", 2, 2, 1, "v1", 0), ((PutResponse) r.get(1).response()).prevKv());
    }

    @ParameterizedTest(name = "current cache {0} bytes")
    @MethodSource("cacheBytes")
    void aTransactionRangesOverItsOwnPuts(long cacheBytes) {
        List<ApplyResult> r = oneBatchAgreesWithOneByOne(cacheBytes, List.of(
                put("k1", "a"),
                txn(List.of(), List.of(put("k2", "b"), put("k1", "c"), RangeRequest.of(KeyRange.prefix(b("k")))))));
        RangeResponse range = (RangeResponse) ((TxnResponse) r.get(1).response()).responses().get(2);
        assertEquals(List.of(kv("k1", 2, 3, 2, "c", 0), kv("k2", 3, 3, 1, "b", 0)), range.kvs());
    }

    @ParameterizedTest(name = "current cache {0} bytes")
    @MethodSource("cacheBytes")
    void aTransactionThatWroteDeletesWhatTheEntryBeforeItPutAndTheNextEntryPutsItAgain(long cacheBytes) {
        // etcd refuses a transaction that puts and deletes the same key: its delete reads the batch's other keys
        List<ApplyResult> r = oneBatchAgreesWithOneByOne(cacheBytes, List.of(
                put("m1", "a"),
                txn(List.of(), List.of(put("k2", "b"), DeleteRangeRequest.of(KeyRange.prefix(b("m"))))),
                put("m1", "c")));
        DeleteRangeResponse deleted = (DeleteRangeResponse) ((TxnResponse) r.get(1).response()).responses().get(1);
        assertEquals(1, deleted.deleted(), "m1, put by the entry before");
        assertEquals(kv("m1", 4, 4, 1, "c", 0), batchStore.get("m1"), "created again after its deletion");
    }

    @ParameterizedTest(name = "current cache {0} bytes")
    @MethodSource("cacheBytes")
    void aDeleteRangeSeesThePutsBeforeItInTheBatch(long cacheBytes) {
        List<ApplyResult> r = oneBatchAgreesWithOneByOne(cacheBytes, List.of(
                put("a", "1"),
                put("b", "1"),
                DeleteRangeRequest.of(new KeyRange(b("a"), b("c"))),
                put("a", "2")));
        assertEquals(2, ((DeleteRangeResponse) r.get(2).response()).deleted());
        assertEquals(List.of("a"), keys(batchStore.all()));
        assertEquals(kv("a", 5, 5, 1, "2", 0), batchStore.get("a"));
    }

    @ParameterizedTest(name = "current cache {0} bytes")
    @MethodSource("cacheBytes")
    void aRangeCompareSeesThePutsBeforeItInTheBatch(long cacheBytes) {
        List<ApplyResult> r = oneBatchAgreesWithOneByOne(cacheBytes, List.of(
                put("p/1", "x"),
                put("p/2", "x"),
                new TxnRequest(List.of(Compare.value(b("p/"), Compare.Result.EQUAL, b("x"))
                        .overRange(KeyRange.prefix(b("p/")).rangeEnd())), List.of(put("q", "yes")), List.of())));
        assertTrue(((TxnResponse) r.get(2).response()).succeeded(), "both keys of the range hold x");
    }

    @ParameterizedTest(name = "current cache {0} bytes")
    @MethodSource("cacheBytes")
    void aPastRevisionRangeSeesTheRevisionsWrittenEarlierInTheBatch(long cacheBytes) {
        List<ApplyResult> r = oneBatchAgreesWithOneByOne(cacheBytes, List.of(
                put("h", "v1"),
                put("i", "v1"),
                put("h", "v2"),
                txn(List.of(), List.of(RangeRequest.of(KeyRange.atLeast(b("a"))).atRevision(3)))));
        RangeResponse range = (RangeResponse) ((TxnResponse) r.get(3).response()).responses().get(0);
        assertEquals(List.of(kv("h", 2, 2, 1, "v1", 0), kv("i", 3, 3, 1, "v1", 0)), range.kvs());
    }

    @ParameterizedTest(name = "current cache {0} bytes")
    @MethodSource("cacheBytes")
    void aCompactionRemovesVersionsWrittenEarlierInTheBatch(long cacheBytes) {
        oneBatchAgreesWithOneByOne(cacheBytes, List.of(
                put("x", "v1"),
                put("x", "v2"),
                put("x", "v3"),
                new CompactRequest(3)));
        assertEquals(1, batchStore.store.counters().compactedVersions(), "x's first version, below revision 3");
        assertThrows(RevisionCompactedException.class, () -> batchStore.getAt("x", 2));
        assertEquals(kv("x", 2, 3, 2, "v2", 0), batchStore.getAt("x", 3));
    }

    @ParameterizedTest(name = "current cache {0} bytes")
    @MethodSource("cacheBytes")
    void aRevokeDeletesTheKeysAttachedEarlierInTheBatch(long cacheBytes) {
        oneBatchAgreesWithOneByOne(cacheBytes, List.of(
                new LeaseGrantRequest(7, 10),
                put("l1", "1").withLease(7),
                put("l2", "1").withLease(7),
                new LeaseRevokeRequest(7)));
        assertEquals(List.of(), batchStore.all());
        assertEquals(List.of(), batchStore.store.leases());
    }

    @ParameterizedTest(name = "current cache {0} bytes")
    @MethodSource("cacheBytes")
    void expiriesInOneEntryRevokeOneLeaseAfterTheOther(long cacheBytes) {
        oneBatchAgreesWithOneByOne(cacheBytes, List.of(
                new LeaseGrantRequest(8, 10),
                put("m", "1").withLease(8),
                new LeaseGrantRequest(9, 10),
                put("n", "1").withLease(9),
                put("o", "1"),
                new LeaseExpireBatchRequest(List.of(new LeaseExpireRequest(8, 5), new LeaseExpireRequest(9, 5)))));
        assertEquals(List.of("o"), keys(batchStore.all()));
        assertEquals(List.of(), batchStore.store.leases());
        assertEquals(6, batchStore.store.revision(), "three puts, then a revision per revoked lease");
    }

    @ParameterizedTest(name = "current cache {0} bytes")
    @MethodSource("cacheBytes")
    void anEntryRefusedAfterItsReadsNeededTheDatabaseLeavesNothingAndTheNextOneGoesOn(long cacheBytes) {
        List<ApplyResult> r = oneBatchAgreesWithOneByOne(cacheBytes, List.of(
                put("c1", "x"),
                new TxnRequest(List.of(Compare.value(b("c"), Compare.Result.EQUAL, b("x"))
                        .overRange(KeyRange.prefix(b("c")).rangeEnd())),
                        List.of(put("c2", "y").withLease(999)), List.of()),
                put("c3", "z")));
        assertEquals(EtcdError.LEASE_NOT_FOUND, r.get(1).error().error());
        assertEquals(List.of("c1", "c3"), keys(batchStore.all()));
        assertEquals(3, batchStore.store.revision());
    }

    /**
     * Applies {@code ops} in one call to one store and one entry per call to another (each entry then finds the
     * batch empty, and reads the database alone for everything before it); both must agree. Returns the batch's
     * results; {@link #batchStore} stays open for the case's own checks.
     */
    private List<ApplyResult> oneBatchAgreesWithOneByOne(long cacheBytes, List<Operation> ops) {
        List<ApplyResult> batched;
        List<ApplyResult> single = new ArrayList<>();
        try (StoreDriver oneByOne = new StoreDriver(dir.resolve("one-by-one"), options(cacheBytes))) {
            for (Operation op : ops) single.addAll(oneByOne.applyAll(List.of(op)));
            batchStore = new StoreDriver(dir.resolve("batch"), options(cacheBytes));
            batched = batchStore.applyAll(ops);
            for (int i = 0; i < ops.size(); i++) {
                String what = "entry " + i + ": " + ops.get(i);
                assertEquals(single.get(i).refused(), batched.get(i).refused(), what);
                if (single.get(i).refused()) {
                    assertEquals(single.get(i).error().error(), batched.get(i).error().error(), what);
                } else {
                    assertEquals(single.get(i).response(), batched.get(i).response(), what);
                }
            }
            assertEquals(oneByOne.all(), batchStore.all());
            assertEquals(oneByOne.store.keyspaceHash(), batchStore.store.keyspaceHash(), "every stored version");
            assertEquals(oneByOne.store.leaseTimes(), batchStore.store.leaseTimes());
            assertEquals(oneByOne.store.appliedIndex(), batchStore.store.appliedIndex());
        }
        return batched;
    }

    /** Counters of its own for each store. */
    private static MvccOptions options(long cacheBytes) {
        return MvccOptions.defaults().withCurrentCacheBytes(cacheBytes);
    }

    @AfterEach
    void closeBatchStore() {
        if (batchStore != null) batchStore.close();
    }

    private static PutRequest put(String key, String value) {
        return PutRequest.of(b(key), b(value));
    }

    private static TxnRequest txn(List<Compare> compares, List<TxnOp> success) {
        return new TxnRequest(compares, success, List.of());
    }
}
