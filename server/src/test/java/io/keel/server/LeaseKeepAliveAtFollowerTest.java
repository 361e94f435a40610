package io.keel.server;

import io.keel.server.lease.KeepAliveAnswers;
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
    /**
     * Not etcd's minimum: a loaded machine can pause longer than 2 s between two keep-alives (one per TTL/3), and
     * this test is about keep-alives reaching the leader, not about how soon a lease expires.
     */
    private static final long TTL = 6;

    @Test
    void keepAlivesAtAFollowerKeepTheLeaseAliveAtTheLeader(@TempDir Path dir) throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3)) {
            cluster.startAll();
            Keel leader = cluster.awaitLeader();
            Keel follower = cluster.running().stream().filter(k -> k != leader).findFirst().orElseThrow();
            long id = leader.grantLease(TTL).id();
            leader.put("followed", "v", id);
            long revision = leader.revision();

            assertEquals(TTL, follower.keepAliveOnce(id), "a keep-alive at a follower answers the lease's TTL");
            long answeredAt = System.nanoTime(); // unless renewed again, the lease's deadline is before now + TTL
            AtomicLong renewed = new AtomicLong();
            try (LeaseKeepAlive k = new LeaseKeepAlive(id, lease -> CompletableFuture
                    .supplyAsync(() -> follower.keepAliveOnce(lease))
                    .thenApply(ttl -> {
                        renewed.incrementAndGet();
                        return ttl;
                    }))) {
                // Two TTLs since that answer: unrenewed, the lease would have been past its deadline for a TTL,
                // time for its expiry to apply before the assertions below.
                Poll.until("keep-alives at the follower span two TTLs", () -> renewed.get() >= 3
                        && System.nanoTime() - answeredAt > TimeUnit.SECONDS.toNanos(2 * TTL));
                assertEquals(TTL, k.lastTtl());
            }
            assertTrue(leader.get("followed").isPresent(), "the leader never expired the lease");
            assertEquals(revision, leader.revision());
            assertEquals(0, follower.keepAliveOnce(31337), "an unknown lease answers TTL 0 there too");

            // Many at once, one by one: each still gets its own lease's answer (how many share a message depends
            // on how fast the leader answers; ForwardedKeepAlivesTest holds an answer back to show they queue).
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 30; i++) ids.add(leader.grantLease(30 + i).id());
            ids.add(31337L); // unknown: answered 0 within a batch too
            Poll.until("the follower applied the grants", () -> follower.appliedIndex() >= leader.appliedIndex());
            List<CompletableFuture<Long>> answers = new ArrayList<>();
            for (int round = 0; round < 10; round++) {
                for (long lease : ids) answers.add(follower.keepAliveOnceAsync(lease));
            }
            for (int i = 0; i < answers.size(); i++) {
                long lease = ids.get(i % ids.size());
                assertEquals(expectedTtl(lease, i % ids.size()), answers.get(i).get(30, TimeUnit.SECONDS),
                        "keep-alive " + i + " of lease " + lease);
            }

            // Bursts (a keep-alive stream's): each leaves as one message at most, whatever the timing, and each
            // keep-alive in it is answered at its own position.
            long[] burst = ids.stream().mapToLong(Long::longValue).toArray();
            long forwardedBefore = follower.member().leaseForwarder().forwarded();
            long batchesBefore = follower.member().leaseForwarder().forwardedBatches();
            int bursts = 10;
            List<CompletableFuture<Long>> burstAnswers = new ArrayList<>();
            for (int round = 0; round < bursts; round++) {
                List<CompletableFuture<Long>> these = new ArrayList<>();
                for (int i = 0; i < burst.length; i++) these.add(new CompletableFuture<>());
                burstAnswers.addAll(these);
                follower.keepAliveAll(burst, burst.length, new KeepAliveAnswers() {
                    @Override
                    public void answered(int i, long ttl) {
                        these.get(i).complete(ttl);
                    }

                    @Override
                    public void failed(int i, Throwable cause) {
                        these.get(i).completeExceptionally(cause);
                    }
                });
            }
            for (int i = 0; i < burstAnswers.size(); i++) {
                long lease = burst[i % burst.length];
                assertEquals(expectedTtl(lease, i % burst.length), burstAnswers.get(i).get(30, TimeUnit.SECONDS),
                        "burst keep-alive " + i + " of lease " + lease);
            }
            long forwarded = follower.member().leaseForwarder().forwarded() - forwardedBefore;
            long batches = follower.member().leaseForwarder().forwardedBatches() - batchesBefore;
            if (!follower.isLeader() && forwarded == (long) bursts * burst.length) { // no retry (a leader change)
                assertTrue(batches <= bursts, forwarded + " keep-alives in " + bursts + " bursts left in " + batches
                        + " messages: a burst should travel in one");
            }
        }
    }

    /** The TTL granted to the lease at {@code position} of the list: 30 + position, 0 for the unknown one. */
    private static long expectedTtl(long lease, int position) {
        return lease == 31337L ? 0 : 30 + position;
    }
}
