package io.keel.storage.mvcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.storage.mvcc.api.KeyspaceHash;
import io.keel.storage.mvcc.api.LeaseCheckpointRequest;
import io.keel.storage.mvcc.api.LeaseExpireRequest;
import io.keel.storage.mvcc.api.LeaseExpireResponse;
import io.keel.storage.mvcc.api.LeaseRenewRequest;
import io.keel.storage.mvcc.api.LeaseTimes;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** etcd's lease checkpoint: a recorded remaining time per lease, cleared by 0, changing neither keys nor revision. */
class LeaseCheckpointRecordTest extends OpenStoreTest {

    private static LeaseCheckpointRequest checkpoint(long id, long remainingMillis) {
        return new LeaseCheckpointRequest(List.of(new LeaseCheckpointRequest.Checkpoint(id, remainingMillis)));
    }

    @Test
    void aCheckpointRecordsTheRemainingTimeAndZeroClearsIt() {
        s.grant(7, 600);
        s.grant(8, 600);
        s.put("k", "v", 7);
        long revision = s.store.revision();
        KeyspaceHash hash = s.store.keyspaceHash();
        assertEquals(Map.of(7L, new LeaseTimes(600, 0), 8L, new LeaseTimes(600, 0)), s.store.leaseTimes());

        s.apply(new LeaseCheckpointRequest(List.of(new LeaseCheckpointRequest.Checkpoint(7, 123_456),
                new LeaseCheckpointRequest.Checkpoint(8, 1), new LeaseCheckpointRequest.Checkpoint(99, 5))));
        assertEquals(Map.of(7L, new LeaseTimes(600, 123_456), 8L, new LeaseTimes(600, 1)), s.store.leaseTimes(),
                "recorded; an unknown lease is skipped");
        assertEquals(revision, s.store.revision());
        assertEquals(hash, s.store.keyspaceHash());
        assertEquals(Map.of(7L, 600L, 8L, 600L), s.store.leaseTtls());
        assertEquals(1, s.store.lease(7).orElseThrow().keys().size());

        s.apply(checkpoint(7, 0));
        assertEquals(Map.of(7L, new LeaseTimes(600, 0), 8L, new LeaseTimes(600, 1)), s.store.leaseTimes());
        assertTrue(checkpoint(7, 0).mayApplyTwice());
    }

    @Test
    void aLegacyRenewalClearsTheCheckpointAndAnExpiryStillSeesTheGrantIndex() {
        s.grant(5, 600);
        s.apply(checkpoint(5, 1_000));
        s.apply(new LeaseRenewRequest(5));
        assertEquals(new LeaseTimes(600, 0), s.store.leaseTimes().get(5L));
        s.apply(checkpoint(5, 2_000));
        LeaseExpireResponse x = (LeaseExpireResponse) s.apply(new LeaseExpireRequest(5, s.store.appliedIndex()));
        assertTrue(x.revoked(), "a checkpoint is not a renewal: it does not stop an expiry");
        assertEquals(Map.of(), s.store.leaseTimes());
    }
}
