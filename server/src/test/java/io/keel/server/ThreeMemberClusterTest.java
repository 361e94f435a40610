package io.keel.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreeMemberClusterTest {

    @Test
    void electsWritesReadsFailsOverAndCatchesUpARestartedMember(@TempDir Path dir) {
        try (TestCluster cluster = new TestCluster(dir, 3)) {
            cluster.startAll();
            Keel leader = cluster.awaitLeader();

            cluster.put("greeting", "hello");
            for (Keel k : cluster.running()) {
                // Linearizable: every member, followers included, sees the acknowledged write.
                assertEquals(Optional.of("hello"), Poll.retrying("read at " + k.memberId(), () -> k.get("greeting")));
            }

            // A follower refuses writes with a retryable error naming the leader.
            // (Polled: should an election make the chosen follower leader meanwhile, its write simply succeeds.)
            NotLeaderException[] refusal = new NotLeaderException[1];
            Poll.until("a follower refuses a write", () -> {
                Keel follower = cluster.running().stream().filter(k -> !k.isLeader()).findFirst().orElseThrow();
                try {
                    follower.put("x", "y");
                    return false;
                } catch (NotLeaderException e) {
                    refusal[0] = e;
                    return true;
                }
            });
            NotLeaderException refused = refusal[0];
            assertTrue(refused.retryable());
            assertTrue(refused.leaderHint() == 0 || refused.leaderHint() == cluster.awaitLeader().memberId());

            long oldLeader = cluster.awaitLeader().memberId();
            cluster.stop(oldLeader);
            Keel newLeader = cluster.awaitLeader();
            assertTrue(newLeader.memberId() != oldLeader);
            cluster.put("after-failover", "still-writing");
            for (Keel k : cluster.running()) {
                assertEquals(Optional.of("still-writing"),
                        Poll.retrying("read at " + k.memberId(), () -> k.get("after-failover")));
            }

            Keel restarted = cluster.start(oldLeader);
            Poll.until("the restarted member applies the write made while it was down",
                    () -> restarted.get("after-failover", true).isPresent());
            assertEquals(Optional.of("hello"), restarted.get("greeting", true));
            assertEquals(Optional.of("still-writing"),
                    Poll.retrying("linearizable read at the restarted member", () -> restarted.get("after-failover")));
            cluster.put("with-all-three", "yes");
            assertEquals(Optional.of("yes"), Poll.retrying("read", () -> restarted.get("with-all-three")));
        }
    }
}
