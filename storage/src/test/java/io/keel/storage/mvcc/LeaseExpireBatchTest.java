package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.storage.mvcc.api.Event;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.LeaseExpireBatchRequest;
import io.keel.storage.mvcc.api.LeaseExpireBatchResponse;
import io.keel.storage.mvcc.api.LeaseExpireRequest;
import io.keel.storage.mvcc.api.LeaseExpireResponse;
import io.keel.storage.mvcc.api.LeaseRenewRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Several expiries in one entry (issue 16): each applied as an expiry of its own, in order, each revoked lease's keys
 * at a revision of their own; a lease that is gone or was renewed after the leader's decision point is skipped.
 */
class LeaseExpireBatchTest extends OpenStoreTest {

    @Test
    void eachRevokedLeaseTakesARevisionOfItsOwnAndSkippedOnesTakeNone() {
        s.grant(5, 10);
        s.put("a1", "1", 5);
        s.put("a2", "1", 5);
        s.grant(6, 10); // revoked before the batch applies
        s.grant(7, 10);
        s.put("c", "1", 7);
        s.revoke(6);
        long decidedAt = s.index;
        s.grant(8, 10);
        s.put("d", "1", 8);
        s.apply(new LeaseRenewRequest(8)); // an older version's keep-alive entry after the decision point
        long revision = s.store.revision();

        LeaseExpireBatchResponse r = (LeaseExpireBatchResponse) s.apply(new LeaseExpireBatchRequest(List.of(
                new LeaseExpireRequest(5, decidedAt), new LeaseExpireRequest(6, decidedAt),
                new LeaseExpireRequest(7, decidedAt), new LeaseExpireRequest(8, decidedAt))));

        assertEquals(List.of(new LeaseExpireResponse(revision + 1, 5, true),
                new LeaseExpireResponse(revision + 1, 6, false), new LeaseExpireResponse(revision + 2, 7, true),
                new LeaseExpireResponse(revision + 2, 8, false)), r.results());
        assertEquals(revision + 2, r.revision());
        assertEquals(revision + 2, s.store.revision());
        assertNull(s.get("a1"));
        assertNull(s.get("a2"));
        assertNull(s.get("c"));
        assertNotNull(s.get("d"), "renewed after the leader decided: kept");
        assertEquals(List.of(8L), s.store.leases());
        List<Event> events = s.store.changesSince(revision + 1, b("a"), b("e")).events();
        assertEquals(3, events.size());
        assertEquals(List.of(revision + 1, revision + 1, revision + 2),
                events.stream().map(e -> e.kv().modRevision()).toList());
    }

    @Test
    void aBatchOfLeasesAllGoneChangesNothingAndSurvivesARestartLikeAnyEntry() {
        s.grant(5, 10);
        s.revoke(5);
        long revision = s.store.revision();
        LeaseExpireBatchResponse r = (LeaseExpireBatchResponse) s.apply(new LeaseExpireBatchRequest(List.of(
                new LeaseExpireRequest(5, s.index), new LeaseExpireRequest(99, s.index))));
        assertFalse(r.results().stream().anyMatch(LeaseExpireResponse::revoked));
        assertEquals(revision, s.store.revision());
        s.reopen();
        assertEquals(revision, s.store.revision());
    }

    @Test
    void anEmptyBatchIsRefusedBeforeItIsProposed() {
        assertThrows(IllegalArgumentException.class, () -> new LeaseExpireBatchRequest(List.of()));
    }

    @Test
    void oneBatchRevokesManyLeasesWithTheirKeys() {
        for (long id = 1; id <= 100; id++) {
            s.grant(id, 10);
            s.put("k" + id, "v", id);
        }
        long revision = s.store.revision();
        List<LeaseExpireRequest> all = new java.util.ArrayList<>();
        for (long id = 1; id <= 100; id++) all.add(new LeaseExpireRequest(id, s.index));
        LeaseExpireBatchResponse r = (LeaseExpireBatchResponse) s.apply(new LeaseExpireBatchRequest(all));
        assertTrue(r.results().stream().allMatch(LeaseExpireResponse::revoked));
        assertEquals(revision + 100, s.store.revision());
        assertEquals(List.of(), s.store.leases());
        assertEquals(0, s.store.range(RangeRequest.of(KeyRange.prefix(b("k")))).count());
    }
}
