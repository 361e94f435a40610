package io.keel.server;

import io.keel.server.lease.LeaseKeepAlive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keep-alives sent to a follower reach the leader (a keep-alive is a Raft entry, so it travels with proposal
 * forwarding). Kept apart on purpose: it needs follower proposals forwarded to the leader, which lands separately;
 * without forwarding a keep-alive at a follower fails with NotLeaderException and this test fails.
 */
class LeaseKeepAliveAtFollowerTest {

    @Test
    void keepAlivesAtAFollowerKeepTheLeaseAliveAtTheLeader(@TempDir Path dir) {
        try (TestCluster cluster = new TestCluster(dir, 3)) {
            cluster.startAll();
            Keel leader = cluster.awaitLeader();
            Keel follower = cluster.running().stream().filter(k -> k != leader).findFirst().orElseThrow();
            long id = leader.grantLease(2).id();
            leader.put("followed", "v", id);
            long revision = leader.revision();

            assertEquals(2, follower.keepAliveOnce(id), "a keep-alive at a follower answers the lease's TTL");
            AtomicLong renewed = new AtomicLong();
            try (LeaseKeepAlive k = new LeaseKeepAlive(id, lease -> CompletableFuture
                    .supplyAsync(() -> follower.keepAliveOnce(lease))
                    .thenApply(ttl -> {
                        renewed.incrementAndGet();
                        return ttl;
                    }))) {
                Poll.until("keep-alives at the follower span several TTLs", () -> renewed.get() >= 12);
                assertEquals(2, k.lastTtl());
            }
            assertTrue(leader.get("followed").isPresent(), "the leader never expired the lease");
            assertEquals(revision, leader.revision());
            assertEquals(0, follower.keepAliveOnce(31337), "an unknown lease answers TTL 0 there too");
        }
    }
}
