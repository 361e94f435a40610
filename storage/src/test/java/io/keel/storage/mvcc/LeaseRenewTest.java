package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.Event;
import io.keel.storage.mvcc.api.KeyspaceHash;
import io.keel.storage.mvcc.api.LeaseExpireRequest;
import io.keel.storage.mvcc.api.LeaseExpireResponse;
import io.keel.storage.mvcc.api.LeaseRenewRequest;
import io.keel.storage.mvcc.api.LeaseRenewResponse;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.PutRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Keep-alives as entries (LeaseRenew) and the leader's conditional expiry (LeaseExpire). */
class LeaseRenewTest extends OpenStoreTest {

    @Test
    void aRenewalAnswersTheGrantedTtlAndChangesNeitherKeysNorRevision() {
        s.grant(7, 30);
        s.put("k", "v", 7);
        long revision = s.store.revision();
        KeyspaceHash hash = s.store.keyspaceHash();
        LeaseRenewResponse r = (LeaseRenewResponse) s.apply(new LeaseRenewRequest(7));
        assertEquals(7, r.id());
        assertEquals(30, r.ttl());
        assertEquals(revision, r.revision());
        assertEquals(revision, s.store.revision());
        assertEquals(hash, s.store.keyspaceHash());
        assertEquals(List.of(7L), s.store.leases());
        assertEquals(Map.of(7L, 30L), s.store.leaseTtls());
    }

    @Test
    void aRenewalMayApplyTwiceAndAPutMayNot() {
        s.grant(7, 30);
        s.put("k", "v", 7);
        long revision = s.store.revision();
        KeyspaceHash hash = s.store.keyspaceHash();
        LeaseRenewRequest renew = new LeaseRenewRequest(7);
        s.apply(renew);
        s.apply(renew);
        assertTrue(renew.mayApplyTwice());
        assertEquals(revision, s.store.revision());
        assertEquals(hash, s.store.keyspaceHash());
        assertEquals(Map.of(7L, 30L), s.store.leaseTtls());

        PutRequest put = new PutRequest(b("k"), b("w"), 0, false, false, false);
        s.apply(put);
        s.apply(put);
        assertFalse(put.mayApplyTwice(), "a second put is a new revision and a new version of the key");
        assertEquals(revision + 2, s.store.revision());
    }

    @Test
    void renewingAnUnknownLeaseIsRefusedWithEtcdsNotFound() {
        MvccException e = assertThrows(MvccException.class, () -> s.apply(new LeaseRenewRequest(99)));
        assertEquals(EtcdError.LEASE_NOT_FOUND, e.error());
    }

    @Test
    void anExpiryRevokesTheLeaseAndItsKeysAtOneRevision() {
        s.grant(5, 10);
        s.put("a", "1", 5);
        s.put("b", "1", 5);
        long revision = s.store.revision();
        LeaseExpireResponse r = (LeaseExpireResponse) s.apply(new LeaseExpireRequest(5, s.index));
        assertTrue(r.revoked());
        assertEquals(revision + 1, r.revision());
        assertNull(s.get("a"));
        assertNull(s.get("b"));
        assertTrue(s.store.lease(5).isEmpty());
        List<Event> events = s.store.changesSince(revision + 1, b("a"), new byte[] {0}).events();
        assertEquals(2, events.size());
        assertTrue(events.stream().allMatch(e -> e.kv().modRevision() == revision + 1));
    }

    @Test
    void aRenewalThatAppliedAfterTheLeadersDecisionPointWinsOverTheExpiry() {
        s.grant(5, 10);
        s.put("a", "1", 5);
        long decidedAt = s.index; // the leader had applied this far when it found the lease expired
        s.apply(new LeaseRenewRequest(5)); // a keep-alive already in the log
        LeaseExpireResponse r = (LeaseExpireResponse) s.apply(new LeaseExpireRequest(5, decidedAt));
        assertFalse(r.revoked());
        assertNotNull(s.get("a"));
        assertTrue(s.store.lease(5).isPresent());
        // Decided after seeing that renewal: the expiry applies.
        assertTrue(((LeaseExpireResponse) s.apply(new LeaseExpireRequest(5, s.index))).revoked());
        assertNull(s.get("a"));
    }

    @Test
    void anExpiryOfALeaseAlreadyGoneChangesNothing() {
        s.grant(5, 10);
        s.revoke(5);
        long revision = s.store.revision();
        LeaseExpireResponse r = (LeaseExpireResponse) s.apply(new LeaseExpireRequest(5, s.index));
        assertFalse(r.revoked());
        assertEquals(revision, s.store.revision());
    }

    @Test
    void theRenewalIndexSurvivesARestart() {
        s.grant(5, 10);
        long decidedAt = s.index;
        s.apply(new LeaseRenewRequest(5));
        s.reopen();
        assertFalse(((LeaseExpireResponse) s.apply(new LeaseExpireRequest(5, decidedAt))).revoked());
        assertEquals(10, s.store.lease(5).orElseThrow().grantedTtl());
    }
}
