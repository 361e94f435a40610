package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static io.keel.storage.mvcc.StoreDriver.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.Event;
import io.keel.storage.mvcc.api.LeaseGrantRequest;
import io.keel.storage.mvcc.api.LeaseGrantResponse;
import io.keel.storage.mvcc.api.LeaseRevokeRequest;
import io.keel.storage.mvcc.api.LeaseRevokeResponse;
import io.keel.storage.mvcc.api.MvccException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leases: grant, attach and move, revoke deleting the keys at one revision, time-to-live info. */
class LeaseTest extends OpenStoreTest {
    private List<String> attached(long lease) {
        return s.store.lease(lease).orElseThrow().keys().stream().map(StoreDriver::s).toList();
    }

    @Test
    void aLeaseIsGrantedWithAChosenIdAndASecondGrantOfItIsRefused() {
        LeaseGrantResponse g = (LeaseGrantResponse) s.apply(new LeaseGrantRequest(5, 30));
        assertEquals(5, g.id());
        assertEquals(30, g.ttl());
        assertEquals(1, g.revision(), "granting a lease does not change the key space");
        MvccException e = assertThrows(MvccException.class, () -> s.apply(new LeaseGrantRequest(5, 10)));
        assertEquals("etcdserver: lease already exists", e.getMessage());
        assertEquals(EtcdError.Code.FAILED_PRECONDITION, e.error().code());
        assertEquals(30, s.store.lease(5).orElseThrow().grantedTtl());
        assertEquals("etcdserver: too large lease TTL", assertThrows(MvccException.class,
                () -> s.apply(new LeaseGrantRequest(6, 9_000_000_001L))).getMessage());
    }

    @Test
    void aGeneratedIdIsPositiveDerivedFromTheEntryAndTheSameOnEveryMember(@TempDir Path other) {
        long first = s.grant(0, 10);
        long second = s.grant(0, 10);
        assertTrue(first > 0 && second > 0);
        assertNotEquals(first, second);
        try (StoreDriver replica = new StoreDriver(other)) {
            assertEquals(first, replica.grant(0, 10));
            assertEquals(second, replica.grant(0, 10));
        }
        assertEquals(List.of(first, second).stream().sorted().toList(), s.store.leases());
    }

    @Test
    void puttingAKeyWithALeaseAttachesItAndMovesItFromItsPreviousLease() {
        s.grant(1, 60);
        s.grant(2, 60);
        s.put("a", "1", 1);
        s.put("b", "1", 1);
        assertEquals(List.of("a", "b"), attached(1));
        s.put("a", "2", 2);
        assertEquals(List.of("b"), attached(1));
        assertEquals(List.of("a"), attached(2));
        assertEquals(2, s.get("a").lease());
        s.put("b", "2");
        assertEquals(List.of(), attached(1), "a put without a lease detaches the key");
        s.delete("a");
        assertEquals(List.of(), attached(2), "a deleted key leaves its lease");
    }

    @Test
    void revokingDeletesEveryAttachedKeyAtOneRevisionInKeyOrder() {
        s.grant(9, 60);
        s.put("z", "1", 9);
        s.put("a", "1", 9);
        s.put("m", "1", 9);
        s.put("other", "1");
        long revision = s.store.revision();
        LeaseRevokeResponse r = (LeaseRevokeResponse) s.apply(new LeaseRevokeRequest(9));
        assertEquals(revision + 1, r.revision());
        assertEquals(revision + 1, s.store.revision());
        assertNull(s.get("a"));
        assertNull(s.get("m"));
        assertNull(s.get("z"));
        assertEquals("1", s(s.get("other").value()));
        assertTrue(s.store.lease(9).isEmpty());
        List<Event> events = s.store.changesSince(revision + 1, b("a"), new byte[] {0}).events();
        assertEquals(List.of("a", "m", "z"), events.stream().map(e -> s(e.kv().key())).toList());
        assertTrue(events.stream().allMatch(e -> e.type() == Event.Type.DELETE));
        assertEquals("etcdserver: requested lease not found",
                assertThrows(MvccException.class, () -> s.revoke(9)).getMessage());
    }

    @Test
    void revokingALeaseWithoutKeysKeepsTheRevision() {
        s.grant(3, 60);
        s.put("a", "1");
        s.revoke(3);
        assertEquals(2, s.store.revision());
    }

    @Test
    void leasesAndAttachmentsSurviveARestart() {
        s.grant(4, 45);
        s.put("k", "v", 4);
        s.reopen();
        assertEquals(45, s.store.lease(4).orElseThrow().grantedTtl());
        assertEquals(List.of("k"), attached(4));
        s.revoke(4);
        assertNull(s.get("k"));
        assertTrue(s.store.lease(4).isEmpty());
    }
}
