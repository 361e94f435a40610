package io.keel.server;

import io.keel.server.lease.LeaseKeepAlive;
import io.keel.server.lease.LeaseStatus;
import io.keel.storage.mvcc.api.MvccException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded lease API on a one-member cluster: grant, attach, keep alive with the helper, revoke, expire. */
class LeaseApiTest {

    @Test
    void theKeepAliveHelperHoldsALeasePastItsTtlUntilRevoked(@TempDir Path dir) throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 1)) {
            cluster.startAll();
            Keel keel = cluster.awaitLeader();
            long id = Poll.retrying("grant", () -> keel.grantLease(6)).id();
            keel.put("held", "v", id);
            long revision = keel.revision();
            assertEquals(List.of(id), keel.leases());
            try (LeaseKeepAlive k = keel.keepAlive(id)) {
                // The remaining time (whole seconds, truncated) rises again after falling: the helper renews every
                // 2 s, so it stays between 4 and 5; several rounds outlast the TTL.
                for (int round = 0; round < 4; round++) {
                    Poll.until("the remaining TTL falls to 4 s", () -> keel.timeToLive(id, false).orElseThrow()
                            .ttl() <= 4);
                    Poll.until("a keep-alive restarts it", () -> keel.timeToLive(id, false).orElseThrow().ttl() == 5);
                }
                assertEquals(6, k.lastTtl());
                assertEquals(revision, keel.revision(), "nothing expired meanwhile");
                LeaseStatus s = keel.timeToLive(id, true).orElseThrow();
                assertEquals(6, s.grantedTtl());
                assertEquals(List.of("held"), s.keys().stream().map(b -> new String(b, StandardCharsets.UTF_8))
                        .toList());

                assertEquals(revision + 1, keel.revokeLease(id));
                k.lost().get(30, TimeUnit.SECONDS); // the next keep-alive finds the lease gone
                assertEquals(0, k.lastTtl());
            }
            assertFalse(keel.get("held").isPresent());
            assertTrue(keel.timeToLive(id, false).isEmpty());
            assertEquals("etcdserver: requested lease not found",
                    assertThrows(MvccException.class, () -> keel.revokeLease(id)).getMessage());
            assertEquals(0, keel.keepAliveOnce(id));
        }
    }

    @Test
    void aLeaseThatIsNotKeptAliveExpiresThroughRaft(@TempDir Path dir) {
        try (TestCluster cluster = new TestCluster(dir, 3)) {
            cluster.startAll();
            Keel leader = cluster.awaitLeader();
            long id = Poll.retrying("grant", () -> leader.grantLease(2)).id();
            leader.put("a", "1", id);
            leader.put("b", "1", id);
            long revision = leader.revision();
            for (Keel k : cluster.running()) {
                // A member still behind the puts has no keys either: wait until it is past them.
                Poll.until("member " + k.memberId() + " deletes the keys when the expiry applies",
                        () -> k.revision() > revision && k.get("a", true).isEmpty() && k.get("b", true).isEmpty());
                assertEquals(revision + 1, k.revision(), "both keys went at one revision, on every member");
                assertTrue(k.get("a", true).isEmpty());
            }
            assertTrue(leader.leases().isEmpty());
        }
    }

    @Test
    void aFollowerAnswersTimeToLiveFromWhenItAppliedTheLastKeepAlive(@TempDir Path dir) {
        try (TestCluster cluster = new TestCluster(dir, 3)) {
            cluster.startAll();
            Keel leader = cluster.awaitLeader();
            Keel follower = cluster.running().stream().filter(k -> k != leader).findFirst().orElseThrow();
            long id = Poll.retrying("grant at a follower", () -> follower.grantLease(30)).id();
            follower.put("held", "1", id);
            LeaseStatus s = follower.timeToLive(id, true).orElseThrow();
            assertEquals(30, s.grantedTtl());
            assertTrue(s.ttl() > 0 && s.ttl() <= 30, "remaining " + s.ttl());
            assertEquals(1, s.keys().size());
            // Falls well below what a keep-alive restores, so that one that restarted nothing cannot pass below.
            Poll.until("the remaining time falls", () -> follower.timeToLive(id, false).orElseThrow().ttl() < 27);
            // The keep-alive restarts the 30 s after this clock reading, and the leader (one clock for all
            // members here) answers the time-to-live before the next one, truncated to whole seconds: so at least
            // 30 - ceil(elapsed) remain, whatever a loaded machine does between the two calls.
            long before = System.nanoTime();
            follower.keepAliveOnce(id);
            long restarted = follower.timeToLive(id, false).orElseThrow().ttl();
            long elapsed = ceilSeconds(System.nanoTime() - before);
            assertTrue(restarted >= 30 - elapsed, "a keep-alive restarts it: " + restarted + " s remain "
                    + elapsed + " s (rounded up) after it was sent");
            follower.revokeLease(id);
            assertTrue(follower.timeToLive(id, false).isEmpty(), "a revoked lease is unknown");
        }
    }

    /** Whole seconds in {@code nanos}, rounded up. */
    private static long ceilSeconds(long nanos) {
        long second = TimeUnit.SECONDS.toNanos(1);
        return (nanos + second - 1) / second;
    }
}
