package io.keel.server;

import io.keel.server.lease.LeaseKeepAlive;
import io.keel.server.lease.LeaseStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16: a keep-alive costs no Raft entry. Leases kept alive through a follower for several TTLs stay alive, and
 * the Raft log does not grow by their renewals (when every keep-alive was an entry, it grew by one per keep-alive);
 * once the keep-alives stop, the leader expires them. Time-to-live at the follower answers the leader's view.
 */
class KeepAliveCostsNoEntryTest {
    private static final int LEASES = 20;
    private static final long TTL = 2; // etcd's minimum for the 800 ms election timeout

    @Test
    void keepAlivesThroughAFollowerAddNoLogEntries(@TempDir Path dir) {
        ExecutorService renewers = Executors.newFixedThreadPool(4);
        List<LeaseKeepAlive> keepAlives = new ArrayList<>();
        try (TestCluster cluster = new TestCluster(dir, 3)) {
            cluster.startAll();
            Keel leader = cluster.awaitLeader();
            Keel follower = cluster.running().stream().filter(k -> k != leader).findFirst().orElseThrow();
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < LEASES; i++) {
                long id = follower.grantLease(TTL).id();
                follower.put("kept/" + i, "v", id);
                ids.add(id);
            }
            long untouched = follower.grantLease(100).id();
            long revision = follower.revision();

            AtomicLong answered = new AtomicLong();
            for (long id : ids) {
                keepAlives.add(new LeaseKeepAlive(id, lease -> CompletableFuture
                        .supplyAsync(() -> follower.keepAliveOnce(lease), renewers)
                        .thenApply(ttl -> {
                            answered.incrementAndGet();
                            return ttl;
                        })));
            }
            Poll.until("every lease renewed at least once", () -> answered.get() >= LEASES);
            long lastIndex = leader.member().commitIndex();
            long answeredBefore = answered.get();
            long forwardedBefore = follower.member().leaseForwarder().forwarded();
            long renewalsBefore = leader.member().lessor().renewals();
            long termBefore = leader.state().term();

            Poll.until("keep-alives through the follower span three TTLs",
                    () -> answered.get() >= answeredBefore + 3L * 3 * LEASES);
            long renewed = answered.get() - answeredBefore;
            long grown = leader.member().commitIndex() - lastIndex;
            assertTrue(grown <= 2, "the log grew by " + grown + " entries while " + renewed
                    + " keep-alives were answered (a keep-alive must cost no entry)");
            // The leader's and the follower's counters as they were: meaningful only if leadership did not move
            // meanwhile (after a leader change the keep-alives go elsewhere, or the follower renews them itself).
            if (leader.isLeader() && leader.state().term() == termBefore) {
                assertTrue(follower.member().leaseForwarder().forwarded() - forwardedBefore >= renewed,
                        "the follower forwarded its keep-alives to the leader");
                assertTrue(leader.member().lessor().renewals() - renewalsBefore >= renewed,
                        "the leader's lessor renewed them in memory");
            }
            for (Keel k : cluster.running()) {
                Poll.until("member " + k.memberId() + " applied revision " + revision, () -> k.revision() >= revision);
                assertEquals(revision, k.revision(), "no lease expired while kept alive");
            }

            LeaseStatus atFollower = follower.timeToLive(ids.get(0), true).orElseThrow();
            assertEquals(TTL, atFollower.grantedTtl());
            assertEquals(1, atFollower.keys().size());
            // Both are the leader's lessor's remaining time (one clock for all members here), truncated to whole
            // seconds, read one after the other: they differ by at most the time between the reads, rounded up.
            long readsStarted = System.nanoTime();
            LeaseStatus far = follower.timeToLive(untouched, false).orElseThrow();
            long leaderSays = leader.timeToLive(untouched, false).orElseThrow().ttl();
            long elapsed = ceilSeconds(System.nanoTime() - readsStarted);
            assertTrue(Math.abs(far.ttl() - leaderSays) <= elapsed, "the follower answers the leader's view: "
                    + far.ttl() + " s there, " + leaderSays + " s at the leader, read " + elapsed
                    + " s (rounded up) apart");

            keepAlives.forEach(LeaseKeepAlive::close);
            Poll.until("the leader expires every lease once keep-alives stop",
                    () -> ids.stream().allMatch(id -> follower.timeToLive(id, false).isEmpty()));
            Poll.until("the follower applied the expiries", () -> follower.revision() >= revision + LEASES);
            for (int i = 0; i < LEASES; i++) assertTrue(follower.get("kept/" + i, true).isEmpty());
            assertEquals(0, follower.keepAliveOnce(ids.get(0)), "a keep-alive of an expired lease answers TTL 0");
        } finally {
            keepAlives.forEach(LeaseKeepAlive::close);
            renewers.shutdownNow();
        }
    }

    /** Whole seconds in {@code nanos}, rounded up. */
    private static long ceilSeconds(long nanos) {
        long second = TimeUnit.SECONDS.toNanos(1);
        return (nanos + second - 1) / second;
    }
}
