package io.keel.server;

import io.keel.raft.Role;
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

            // A write at a follower is forwarded to the leader and answered by the follower once applied there.
            // (Polled: only a write made while the member followed the same leader throughout counts.)
            long[] forwardedRevision = new long[1];
            Poll.until("a write through a follower", () -> {
                Keel follower = cluster.running().stream().filter(k -> !k.isLeader()).findFirst().orElseThrow();
                var before = follower.state();
                long revision;
                try {
                    revision = follower.put("via-follower", "forwarded").revision();
                } catch (KeelException e) {
                    return false; // leadership moved: not yet a clean case
                }
                var after = follower.state();
                if (after.role() != Role.FOLLOWER || after.term() != before.term() || before.leaderId() == 0) {
                    return false;
                }
                assertTrue(follower.appliedIndex() > 0);
                assertEquals(Optional.of("forwarded"), follower.get("via-follower", true),
                        "the follower answers once it applied the write itself");
                forwardedRevision[0] = revision;
                return true;
            });
            Keel current = cluster.awaitLeader();
            assertEquals(forwardedRevision[0], current.getKeyValue("via-follower", false).orElseThrow().modRevision());

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
