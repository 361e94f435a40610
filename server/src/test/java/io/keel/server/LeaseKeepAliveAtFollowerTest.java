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
 * Keep-alives sent to a follower reach the leader: the follower forwards them over the peer connection, outside the
 * log (issue 16; they used to be Raft entries forwarded as proposals), and the leader's lessor answers them.
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
