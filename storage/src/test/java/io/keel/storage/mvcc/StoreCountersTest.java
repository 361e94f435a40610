package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.keel.storage.mvcc.api.Compare.Result;
import io.keel.storage.mvcc.api.Compare;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.TxnRequest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's mvcc counts (ranges, puts, deletes, txns, live keys, leases) as the store applies and serves. */
class StoreCountersTest {
    @TempDir
    Path dir;

    @Test
    void countsAsEtcdsMvccPackageDoes() {
        StoreCounters c = new StoreCounters();
        try (StoreDriver s = new StoreDriver(dir, MvccOptions.defaults().withCounters(c))) {
            s.put("a", "1");
            s.put("b", "1");
            s.put("a", "2"); // a new version, not a new key
            assertCounts(c, 0, 3, 0, 0, 2);
            s.apply(PutRequest.of(b("c"), b("1")).withPrevKv()); // etcd reads the previous version: a range
            assertCounts(c, 1, 4, 0, 1, 3);
            s.delete("b");
            s.delete("none"); // deletes nothing, still a delete
            assertCounts(c, 1, 4, 2, 1, 2);
            // Two compares (both evaluated), the success branch: a range and a put.
            s.txn(List.of(Compare.version(b("a"), Result.GREATER, 0), Compare.version(b("c"), Result.GREATER, 0)),
                    List.of(RangeRequest.key(b("a")), PutRequest.of(b("d"), b("1"))), List.of());
            assertCounts(c, 4, 5, 2, 2, 3);
            // A failing first compare stops there (one range); the empty failure branch does nothing else.
            s.txn(List.of(Compare.version(b("a"), Result.EQUAL, 0), Compare.version(b("c"), Result.GREATER, 0)),
                    List.of(PutRequest.of(b("e"), b("1"))), List.of());
            assertCounts(c, 5, 5, 2, 2, 3);
            s.range(RangeRequest.key(b("a")));
            s.store.readTxn(new TxnRequest(List.of(), List.of(RangeRequest.key(b("a")), RangeRequest.key(b("b"))),
                    List.of()));
            assertCounts(c, 8, 5, 2, 3, 3);

            // A refused operation counts nothing.
            assertThrows(MvccException.class, () -> s.apply(PutRequest.of(b("x"), b("1")).withLease(42)));
            assertCounts(c, 8, 5, 2, 3, 3);

            // A lease's revocation deletes each of its keys (etcd's lessor: one delete per key).
            long lease = s.grant(7, 60);
            s.put("l1", "v", lease);
            s.put("l2", "v", lease);
            s.put("a", "3", lease); // an existing key attached: not a new key
            assertCounts(c, 8, 8, 2, 3, 5);
            s.revoke(lease);
            assertCounts(c, 8, 8, 5, 4, 2);
            assertEquals(1, c.leasesGranted());
            assertEquals(1, c.leasesRevoked());

            // Reopened (as after a restart, or a snapshot install): the live keys are counted from the store; the
            // other counts go on growing.
            s.reopen();
            assertEquals(2, c.liveKeys());
            s.put("f", "1");
            assertCounts(c, 8, 9, 5, 4, 3);
        }
    }

    @Test
    void countsTheVersionsCompactionsRemove() {
        StoreCounters c = new StoreCounters();
        try (StoreDriver s = new StoreDriver(dir, MvccOptions.defaults().withCounters(c))) {
            s.put("a", "1");
            s.put("a", "2");
            s.put("a", "3");
            s.compact(s.store.revision()); // a keeps its last version: two go
            assertEquals(2, c.compactedVersions());
            s.delete("a");
            s.compact(s.store.revision()); // a deleted key keeps nothing: its last version and the tombstone go
            assertEquals(4, c.compactedVersions());
            assertEquals(0, c.liveKeys());
        }
    }

    private static void assertCounts(StoreCounters c, long ranges, long puts, long deletes, long txns, long keys) {
        assertEquals(List.of(ranges, puts, deletes, txns, keys),
                List.of(c.ranges(), c.puts(), c.deletes(), c.txns(), c.liveKeys()),
                "ranges, puts, deletes, txns, live keys");
    }
}
