package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static io.keel.storage.mvcc.StoreDriver.keys;
import static io.keel.storage.mvcc.StoreDriver.kv;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.storage.mvcc.api.DeleteRangeRequest;
import io.keel.storage.mvcc.api.DeleteRangeResponse;
import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.Event;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.PutResponse;
import io.keel.storage.mvcc.api.RangeRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** etcd's Put (prev_kv, ignore_value, ignore_lease, leases) and DeleteRange (count, prev_kvs, one revision). */
class PutDeleteTest extends OpenStoreTest {
    private MvccException refused(Operation op) {
        long revision = s.store.revision();
        MvccException e = assertThrows(MvccException.class, () -> s.apply(op));
        assertEquals(revision, s.store.revision(), "a refused operation must not write");
        assertEquals(s.index, s.store.appliedIndex(), "a refused entry still counts as applied");
        return e;
    }

    @Test
    void prevKvReturnsTheVersionThatWasReplacedAndNothingForANewKey() {
        assertNull(((PutResponse) s.apply(PutRequest.of(b("a"), b("1")).withPrevKv())).prevKv());
        PutResponse r = (PutResponse) s.apply(PutRequest.of(b("a"), b("2")).withPrevKv());
        assertEquals(kv("a", 2, 2, 1, "1", 0), r.prevKv());
        assertEquals(3, r.revision());
        assertNull(s.put("a", "3").prevKv(), "prev_kv only when asked");
    }

    @Test
    void ignoreValueKeepsTheValueAndIgnoreLeaseKeepsTheLease() {
        long lease = s.grant(7, 60);
        s.put("a", "v", lease);
        s.apply(PutRequest.of(b("a"), null).ignoringValue());
        assertEquals(kv("a", 2, 3, 2, "v", 0), s.get("a"), "the lease was not ignored, so it is dropped");
        s.put("a", "w", lease);
        s.apply(PutRequest.of(b("a"), b("x")).ignoringLease());
        assertEquals(kv("a", 2, 5, 4, "x", lease), s.get("a"));
        assertEquals(List.of("a"), keys(s.store.lease(lease).orElseThrow().keys().stream()
                .map(k -> new KeyValue(k, 0, 0, 0, KeyValue.EMPTY, 0)).toList()));
    }

    @Test
    void ignoreFlagsOnAMissingKeyAndAValueOrLeaseGivenWithThemAreRefused() {
        assertEquals("etcdserver: key not found",
                refused(PutRequest.of(b("a"), null).ignoringValue()).getMessage());
        assertEquals("etcdserver: key not found",
                refused(PutRequest.of(b("a"), b("v")).ignoringLease()).getMessage());
        s.put("a", "1");
        assertEquals("etcdserver: value is provided",
                refused(PutRequest.of(b("a"), b("v")).ignoringValue()).getMessage());
        assertEquals("etcdserver: lease is provided",
                refused(PutRequest.of(b("a"), null).withLease(5).ignoringLease()).getMessage());
    }

    @Test
    void aPutWithAnUnknownLeaseOrAnEmptyKeyIsRefused() {
        MvccException e = refused(PutRequest.of(b("a"), b("1")).withLease(42));
        assertEquals("etcdserver: requested lease not found", e.getMessage());
        assertEquals(EtcdError.Code.NOT_FOUND, e.error().code());
        assertEquals("etcdserver: key is not provided", refused(PutRequest.of(new byte[0], b("1"))).getMessage());
        assertNull(s.get("a"));
    }

    @Test
    void deleteRangeDeletesEveryLiveKeyAtOneRevisionAndReturnsTheCountAndPrevKvs() {
        s.put("k/1", "1");
        s.put("k/2", "2");
        s.put("k/3", "3");
        s.delete("k/2");
        s.put("l", "x");
        DeleteRangeResponse d = (DeleteRangeResponse) s.apply(
                DeleteRangeRequest.of(KeyRange.prefix(b("k/"))).withPrevKv());
        assertEquals(2, d.deleted());
        assertEquals(7, d.revision());
        assertEquals(List.of(kv("k/1", 2, 2, 1, "1", 0), kv("k/3", 4, 4, 1, "3", 0)), d.prevKvs());
        assertTrue(s.range(RangeRequest.of(KeyRange.prefix(b("k/")))).kvs().isEmpty());
        assertEquals("x", StoreDriver.s(s.get("l").value()));
        List<Event> events = s.store.changesSince(7, b("k/"), b("k0")).events();
        assertEquals(2, events.size());
        assertTrue(events.stream().allMatch(e -> e.type() == Event.Type.DELETE && e.kv().modRevision() == 7));
        assertEquals(0, ((DeleteRangeResponse) s.apply(DeleteRangeRequest.key(b("k/1")))).prevKvs().size());
    }

    @Test
    void aDeleteWithAnEmptyKeyIsRefused() {
        assertEquals("etcdserver: key is not provided",
                refused(DeleteRangeRequest.key(new byte[0])).getMessage());
    }
}
