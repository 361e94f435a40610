package io.keel.server;

import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19: a request made while no leader is known waits for one within its request timeout, and fails with
 * NotLeaderException only when that passes with no leader.
 */
class LeaderWaitTest {
    /** Generous: a loaded 2-core machine may take several election timeouts to elect a leader. */
    private static final Duration GENEROUS = Duration.ofSeconds(30);

    @Test
    void aPutRightAfterStartSucceedsWithoutRetrying(@TempDir Path dir) {
        try (TestCluster cluster = new TestCluster(dir, 3)) {
            for (long id = 1; id <= 3; id++) cluster.members[(int) id - 1] = cluster.builder(id)
                    .requestTimeout(GENEROUS).start();
            // No waiting and no retrying: the first calls are made while no member knows a leader yet.
            Keel first = cluster.members[0];
            Keel third = cluster.members[2];
            long revision = first.put("greeting", "hello").revision();
            assertTrue(revision > 0);
            assertEquals(Optional.of("hello"), third.get("greeting"));

            long leader = first.awaitLeader(GENEROUS);
            assertTrue(leader >= 1 && leader <= 3, "leader " + leader);
        }
    }

    @Test
    void aLinearizableReadRightAfterStartSucceeds(@TempDir Path dir) {
        try (TestCluster cluster = new TestCluster(dir, 3)) {
            for (long id = 1; id <= 3; id++) cluster.members[(int) id - 1] = cluster.builder(id)
                    .requestTimeout(GENEROUS).start();
            assertEquals(Optional.empty(), cluster.members[1].get("greeting"), "a linearizable read right after start");
        }
    }

    @Test
    void aWriteWaitsForALeaderElectedWhileItWaits(@TempDir Path dir) throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3)) {
            Keel alone = cluster.members[0] = cluster.builder(1).requestTimeout(GENEROUS).start();
            CompletableFuture<Response> put = alone.writeAsync(PutRequest.of(utf8("k"), utf8("v")));
            // Not a wait for the state: a sample that the write is still parked, not refused, without a quorum.
            // At least one: the member's own announcement of its attributes may be waiting for a leader too.
            Poll.until("the write is admitted", () -> alone.pendingProposals() >= 1);
            assertFalse(put.isDone(), "a write without a quorum waits instead of failing at once");

            cluster.start(2); // now a majority: a leader is elected and the parked write goes on
            put.get(GENEROUS.toSeconds() + 5, TimeUnit.SECONDS);
            assertEquals(Optional.of("v"), alone.get("k"));
        }
    }

    @Test
    void withoutAQuorumRequestsFailWithNotLeaderAfterTheirDeadline(@TempDir Path dir) {
        Duration timeout = Duration.ofSeconds(3);
        try (TestCluster cluster = new TestCluster(dir, 3)) {
            Keel alone = cluster.members[0] = cluster.builder(1).requestTimeout(timeout).start();
            Duration wait = Keel.leaderWait(timeout, alone.electionTimeout());

            long start = System.nanoTime();
            NotLeaderException put = assertThrows(NotLeaderException.class, () -> alone.put("k", "v"));
            assertTookAtLeast(wait, start, put);
            assertEquals(0, put.leaderHint());

            start = System.nanoTime();
            NotLeaderException read = assertThrows(NotLeaderException.class, () -> alone.get("k"));
            assertTookAtLeast(wait, start, read);

            start = System.nanoTime();
            assertThrows(NotLeaderException.class, () -> alone.awaitLeader(Duration.ofSeconds(1)));
            assertTookAtLeast(Duration.ofSeconds(1), start, null);

            // Serializable reads never wait: they read the local store.
            assertEquals(Optional.empty(), alone.get("k", true));
        }
    }

    private static void assertTookAtLeast(Duration expected, long startNanos, Exception e) {
        long took = System.nanoTime() - startNanos;
        assertTrue(took >= expected.toNanos(), "failed after " + TimeUnit.NANOSECONDS.toMillis(took)
                + " ms, before its wait of " + expected.toMillis() + " ms: " + e);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
