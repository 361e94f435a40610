package io.keel.server;

import io.keel.server.lease.LeaseKeepAlive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keep-alives sent to a follower reach the leader: the follower forwards them over the peer connection, outside the
 * log (issue 16; they used to be Raft entries forwarded as proposals), and the leader's lessor answers them. Many
 * at once travel in batches, each answered for its own lease.
 */
class LeaseKeepAliveAtFollowerTest {

    @Test
    void keepAlivesAtAFollowerKeepTheLeaseAliveAtTheLeader(@TempDir Path dir) throws Exception {
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

            // Many at once: they travel in a few messages (those forwarded while the leader answers one batch
            // leave together in the next), and each still gets its own lease's answer.
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 30; i++) ids.add(leader.grantLease(30 + i).id());
            ids.add(31337L); // unknown: answered 0 within a batch too
            Poll.until("the follower applied the grants", () -> follower.appliedIndex() >= leader.appliedIndex());
            long forwardedBefore = follower.member().leaseForwarder().forwarded();
            long batchesBefore = follower.member().leaseForwarder().forwardedBatches();
            List<CompletableFuture<Long>> answers = new ArrayList<>();
            for (int round = 0; round < 10; round++) {
                for (long lease : ids) answers.add(follower.keepAliveOnceAsync(lease));
            }
            for (int i = 0; i < answers.size(); i++) {
                long lease = ids.get(i % ids.size());
                assertEquals(lease == 31337L ? 0 : 30 + i % ids.size(), answers.get(i).get(30, TimeUnit.SECONDS),
                        "keep-alive " + i + " of lease " + lease);
            }
            long forwarded = follower.member().leaseForwarder().forwarded() - forwardedBefore;
            long batches = follower.member().leaseForwarder().forwardedBatches() - batchesBefore;
            if (!follower.isLeader()) {
                assertTrue(forwarded >= answers.size(), "forwarded " + forwarded);
                assertTrue(batches * 4 <= forwarded, forwarded + " keep-alives forwarded in " + batches
                        + " messages: they should travel in batches");
            }
        }
    }
}
