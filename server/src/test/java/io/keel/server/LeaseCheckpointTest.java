package io.keel.server;

import io.keel.server.lease.LeaseKeepAlive;
import io.keel.server.lease.LeaseStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * etcd's lease checkpoint (issue 16): the leader records the remaining time of leases longer than the checkpoint
 * interval, so a new leader continues an abandoned lease from it instead of restarting it in full; a keep-alive
 * after a checkpoint clears it through the log before it is answered, so a lease kept alive is never expired early
 * by the failover (its new deadline is no earlier than the last answered keep-alive plus its TTL). Checkpoints are
 * entries: every member's store holds them.
 */
class LeaseCheckpointTest {
    private static final long TTL = 30;

    @Test
    void aNewLeaderContinuesFromTheCheckpointAndNeverExpiresAKeptLeaseEarly(@TempDir Path dir) {
        ExecutorService renewers = Executors.newFixedThreadPool(2);
        try (TestCluster cluster = new TestCluster(dir, 3)) {
            cluster.startAll();
            for (Keel k : cluster.running()) k.member().lessor().checkpointInterval(Duration.ofSeconds(1));
            Keel old = cluster.awaitLeader();
            Keel follower = cluster.running().stream().filter(k -> k != old).findFirst().orElseThrow();
            long abandoned = follower.grantLease(TTL).id();
            long kept = follower.grantLease(TTL).id();
            follower.put("kept", "v", kept);

            AtomicLong lastAnswerNanos = new AtomicLong();
            AtomicLong answers = new AtomicLong();
            try (LeaseKeepAlive k = new LeaseKeepAlive(kept, lease -> CompletableFuture
                    .supplyAsync(() -> {
                        long ttl = follower.keepAliveOnce(lease);
                        lastAnswerNanos.set(System.nanoTime());
                        answers.incrementAndGet();
                        return ttl;
                    }, renewers))) {
                Poll.until("a first keep-alive", () -> answers.get() >= 1);
                Poll.until("checkpoints of both leases", Duration.ofSeconds(20),
                        () -> old.member().lessor().checkpointsProposed() >= 4);
                // Replicated: every member's store holds the abandoned lease's remaining time (kept's may be
                // cleared by a keep-alive at any moment).
                for (Keel m : cluster.running()) {
                    Poll.until("member " + m.memberId() + " applied a checkpoint of the abandoned lease", () -> {
                        long ms = m.member().readSerializable(store -> store.leaseTimes().get(abandoned))
                                .checkpointedRemainingMillis();
                        return ms > 0 && ms < TTL * 1000;
                    });
                }
                Poll.until("the abandoned lease has run at least 4 s", Duration.ofSeconds(20),
                        () -> old.timeToLive(abandoned, false).orElseThrow().ttl() <= TTL - 4);
                // Kill the leader right after a keep-alive that came after checkpoints of the kept lease (so before
                // the next one): only the clearing entry that keep-alive waited for tells the new leader that the
                // checkpointed remaining time is stale.
                long before = answers.get();
                Poll.until("another keep-alive", Duration.ofSeconds(20), () -> answers.get() > before);
                // The old leader's deadline for the abandoned lease is after this clock reading + oldView s (its
                // answer is truncated to whole seconds); the new leader's is no earlier (one clock for all members
                // in this JVM), so its answer, truncated too, is at least oldView - ceil(elapsed) s, whatever a
                // loaded machine does between the two reads (the stop and the election are in between).
                long viewedAt = System.nanoTime();
                long oldView = old.timeToLive(abandoned, false).orElseThrow().ttl();
                cluster.stop(old.memberId());
                Keel leader = cluster.awaitLeader();
                LeaseStatus continued = Poll.retrying("time-to-live at the new leader",
                        () -> leader.timeToLive(abandoned, false)).orElseThrow();
                long elapsed = ceilSeconds(System.nanoTime() - viewedAt);
                assertTrue(continued.ttl() < TTL, "the new leader continued the abandoned lease from its checkpoint"
                        + " (restarting it in full would give at least " + TTL + " s): " + continued.ttl() + " s");
                assertTrue(continued.ttl() >= oldView - elapsed, "but not earlier than the old leader's deadline: "
                        + continued.ttl() + " s now, " + oldView + " s at the old leader " + elapsed
                        + " s (rounded up) before");

                long promisedUntil = lastAnswerNanos.get() + TimeUnit.SECONDS.toNanos(TTL);
                LeaseStatus keptStatus = leader.timeToLive(kept, false).orElseThrow();
                long deadlineNow = System.nanoTime() + TimeUnit.SECONDS.toNanos(keptStatus.ttl() + 1); // truncated
                assertTrue(deadlineNow - promisedUntil >= 0, "the kept lease's deadline at the new leader ("
                        + keptStatus.ttl() + " s left) is no earlier than its last keep-alive + TTL");
                assertTrue(leader.get("kept").isPresent());
            }
            assertEquals(TTL, follower.keepAliveOnce(kept));
        } finally {
            renewers.shutdownNow();
        }
    }

    /** Whole seconds in {@code nanos}, rounded up. */
    private static long ceilSeconds(long nanos) {
        long second = TimeUnit.SECONDS.toNanos(1);
        return (nanos + second - 1) / second;
    }
}
