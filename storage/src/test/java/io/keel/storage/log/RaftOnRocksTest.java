package io.keel.storage.log;

import io.keel.raft.proto.Entry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** raft-core's state machine on the real store: elections, replication, restarts, compaction and a snapshot install. */
class RaftOnRocksTest {
    @TempDir
    Path root;

    @Test
    @Timeout(120)
    void threeMembersElectReplicateRestartAndCatchUpFromASnapshot() {
        try (RocksRaftCluster cluster = new RocksRaftCluster(root, 1, 2, 3)) {
            long leader = cluster.awaitLeader();
            cluster.propose(leader, payloads("a", 30));
            long committed = cluster.member(leader).node.log().lastIndex();
            cluster.awaitApplied(committed);
            assertSameLogs(cluster, 1, 2, 3);

            // A follower goes down; the others go on and compact their logs past everything it has.
            long follower = leader == 3 ? 2 : 3;
            long other = 6 - leader - follower;
            cluster.crash(follower);
            cluster.propose(leader, payloads("b", 40));
            committed = cluster.member(leader).node.log().lastIndex();
            cluster.awaitApplied(committed);
            long compactedTo = cluster.compact(leader);
            cluster.compact(other);
            assertEquals(compactedTo + 1, cluster.member(leader).storage.firstIndex());

            // Back up, it can only catch up from a snapshot: installed through the store, then the log after it.
            cluster.restart(follower);
            cluster.propose(leader, payloads("c", 5));
            committed = cluster.member(leader).node.log().lastIndex();
            cluster.awaitApplied(committed);
            RocksRaftCluster.Member caughtUp = cluster.member(follower);
            assertTrue(caughtUp.storage.snapshotMetadata().getIndex() >= compactedTo,
                    "the follower installed a snapshot: " + caughtUp.storage.snapshotMetadata());
            assertEquals(cluster.member(leader).applied, caughtUp.applied);
            assertSameLogs(cluster, leader, other, follower);

            // The leader crashes: a new one is elected in a higher term, from what the others' disks hold.
            long oldTerm = cluster.member(leader).node.term();
            cluster.crash(leader);
            long newLeader = cluster.awaitLeader();
            assertNotEquals(leader, newLeader);
            assertTrue(cluster.member(newLeader).node.term() > oldTerm);
            cluster.propose(newLeader, payloads("d", 10));
            cluster.restart(leader);
            committed = cluster.member(newLeader).node.log().lastIndex();
            cluster.awaitApplied(committed);
            assertSameLogs(cluster, 1, 2, 3);
            for (long id = 1; id <= 3; id++) {
                RocksRaftCluster.Member m = cluster.member(id);
                assertEquals(85, m.applied.size(), "member " + id + " applied every proposal: " + m.applied);
                assertEquals(m.node.term(), m.storage.hardState().getTerm(), "member " + id + "'s term is on disk");
            }
            assertTrue(cluster.syncedReadys > 0);
        }
    }

    private static List<String> payloads(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(prefix + i + "=" + i);
        return out;
    }

    /** The stored logs agree wherever they overlap, up to the lowest last index. */
    private static void assertSameLogs(RocksRaftCluster cluster, long... ids) {
        long from = 0;
        long to = Long.MAX_VALUE;
        for (long id : ids) {
            from = Math.max(from, cluster.member(id).storage.firstIndex());
            to = Math.min(to, cluster.member(id).storage.lastIndex());
        }
        List<Entry> reference = cluster.member(ids[0]).storage.entries(from, to + 1, Long.MAX_VALUE);
        for (long id : ids) {
            assertEquals(reference, cluster.member(id).storage.entries(from, to + 1, Long.MAX_VALUE),
                    "member " + id + "'s log " + from + ".." + to);
        }
    }
}
