package io.keel.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 10 D: a leader's lease is safe only if its followers refuse votes for at least as long as it counts on,
 * which needs the same election timeout (and drift bound) on every member. A member started with another
 * --election-timeout is refused by its peers with one line naming both values and the flag; it joins once it runs
 * with the cluster's.
 */
class TimingMismatchTest {
    @TempDir
    Path root;

    @Test
    void aMemberWithAnotherElectionTimeoutIsRefusedAndJoinsOnceItMatches() {
        try (TestCluster cluster = new TestCluster(root, 3); LogLines log = new LogLines()) {
            cluster.start(1);
            cluster.start(2);
            Keel odd = cluster.members[2] = cluster.builder(3).electionTimeout(Duration.ofMillis(1600)).start();
            List<Keel> matching = List.of(cluster.members[0], cluster.members[1]);
            Poll.until("members 1 and 2 elect a leader", () -> matching.stream().anyMatch(Keel::isLeader)
                    && matching.stream().allMatch(k -> k.leaderId() != 0));
            Keel leader = matching.stream().filter(Keel::isLeader).findFirst().orElseThrow();
            Poll.retrying("a write by the two that match", () -> leader.put("k", "v"));

            log.await("refused connection", "TIMING_MISMATCH", "member 3 runs with --election-timeout 1600 ms,"
                    + " --heartbeat-interval 80 ms, max clock drift 0.05", "with --election-timeout 800 ms",
                    "every member must run with the same --election-timeout");
            log.await("refused us", "TIMING_MISMATCH", "member 3 runs with --election-timeout 1600 ms");
            assertEquals(0, odd.leaderId(), "member 3 hears from no one");
            assertEquals(Optional.empty(), odd.get("k", true));

            cluster.stop(3);
            Keel fixed = cluster.members[2] = cluster.builder(3).newCluster(false).start();
            cluster.awaitLeader();
            Poll.until("member 3 catches up once it matches", () -> fixed.get("k", true).equals(Optional.of("v")));
        }
    }
}
