package io.keel.server;

import io.keel.server.membership.MemberInfo;
import io.keel.server.membership.PeerUrls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10 B: a member whose data directory was wiped and that comes back under its old id (etcd's
 * {@code --initial-cluster-state existing} with its old member and cluster id, on an empty directory) must not count
 * as that member: it has forgotten the entries it acknowledged. Its peers refuse it both ways, saying what to do,
 * and the documented way back (remove it, add it back as a new member with an empty directory) works.
 */
class WipedMemberTest {
    @TempDir
    Path root;

    /**
     * The scenario that loses a committed write without the incarnation check: with A down, the leader L commits
     * "k" on itself and W. W is wiped; L stops; A (which never had "k") and the wiped W are up. W's vote would elect
     * A, and A's log would then overwrite "k" on L when L returns. With the check, A hears nothing from W: no
     * leader while L is down, and once L returns the write is there. Then the way back: W is removed and added back
     * as a new member on an empty directory, at the same address; it catches up, holds the data, is promoted, and
     * commits with L while A is down.
     */
    @Test
    void aWipedMemberIsRefusedUnderItsOldIdAndComesBackAsANewMember() {
        try (TestCluster cluster = new TestCluster(root, 3); LogLines log = new LogLines()) {
            cluster.startAll();
            Keel first = cluster.awaitLeader();
            long clusterId = first.clusterId();
            awaitIncarnationsRecorded(cluster.running(), 3);
            long leader = first.memberId();
            long a = leader == 1 ? 2 : 1;
            long w = 6 - leader - a;
            long wipedIncarnation = cluster.members[(int) w - 1].incarnation();

            cluster.stop(a);
            cluster.put("k", "v"); // committed on the leader and W: the only majority up
            Poll.until("W applied k", () -> cluster.members[(int) w - 1].get("k", true).equals(Optional.of("v")));
            cluster.stop(w);
            deleteTree(root.resolve("member-" + w));
            cluster.stop(leader);

            Keel memberA = cluster.members[(int) a - 1] = cluster.builder(a).newCluster(false).start();
            // The wiped member under its old id, as the launcher's --initial-cluster-state existing --member-id
            // --cluster-id does: an empty directory gets an empty log and a new incarnation.
            Keel wiped = cluster.members[(int) w - 1] = cluster.builder(w).joinExisting(clusterId).start();
            assertNotEquals(wipedIncarnation, wiped.incarnation());

            // Five election timeouts without a leader: A cannot get the wiped member's vote counted.
            long end = System.nanoTime() + Duration.ofMillis(5 * 800).toNanos();
            while (System.nanoTime() - end < 0) {
                assertFalse(memberA.isLeader() || wiped.isLeader(), "elected with the wiped member's vote");
                assertEquals(0, memberA.leaderId(), "a leader without the member that has k");
                Poll.until("a short while", Duration.ofMillis(50), () -> true);
            }

            String refusal = log.await("WRONG_INCARNATION", "member " + hex(w) + " runs on a data directory of incarnation "
                    + hex(wiped.incarnation()) + ", but the cluster knows it as incarnation " + hex(wipedIncarnation),
                    "remove it (etcdctl member remove " + hex(w) + ") and add it back as a new member");
            assertTrue(refusal.contains("to member " + hex(a)) || refusal.contains("refusing member " + hex(w)), refusal);
            log.await("refused us", "WRONG_INCARNATION", "member " + hex(w) + " runs on a data directory of incarnation");

            Keel back = cluster.members[(int) leader - 1] = cluster.builder(leader).newCluster(false).start();
            List<Keel> healthy = List.of(back, memberA);
            Keel current = leaderAmong(healthy);
            assertEquals(Optional.of("v"), Poll.retrying("read k", () -> leaderAmong(healthy).get("k")));
            assertEquals(0, wiped.leaderId(), "the wiped member never hears from the others");

            // The way back (docs/operations.md): remove it, add it back as a new member with an empty data directory.
            InetSocketAddress address = cluster.addresses.get(w);
            Poll.retrying("remove the wiped member", () -> leaderAmong(healthy).membership().remove(w));
            cluster.stop(w);
            deleteTree(root.resolve("member-" + w));
            MemberInfo added = Poll.retrying("add it back",
                    () -> leaderAmong(healthy).membership().add(List.of(PeerUrls.text(address)), true));
            assertNotEquals(w, added.id());
            // Not started yet, so no incarnation recorded: it may not become a voter (its wipe would go unnoticed).
            io.keel.server.membership.MembershipException early = org.junit.jupiter.api.Assertions.assertThrows(
                    io.keel.server.membership.MembershipException.class,
                    () -> leaderAmong(healthy).membership().promote(added.id()));
            assertTrue(early.getMessage().contains("has not published its data directory's incarnation yet"),
                    early.getMessage());
            Map<Long, InetSocketAddress> members = new LinkedHashMap<>();
            members.put(leader, cluster.addresses.get(leader));
            members.put(a, cluster.addresses.get(a));
            members.put(added.id(), address);
            try (Keel again = cluster.builder(1).id(added.id()).name("again").dataDir(root.resolve("again"))
                    .listen(address).initialCluster(members).joinExisting(clusterId).start()) {
                Poll.until("the new member holds the data", () -> again.get("k", true).equals(Optional.of("v")));
                List<Keel> three = List.of(back, memberA, again);
                awaitIncarnationsRecorded(three, 3);
                Poll.retrying("promote it", () -> leaderAmong(healthy).membership().promote(added.id()));
                // A write that needs the new member's acknowledgement: A is down.
                long down = current.memberId() == a ? leader : a;
                List<Keel> up = Stream.of(back, memberA, again).filter(k -> k.memberId() != down).toList();
                cluster.stop(down);
                Poll.retrying("a write acknowledged by the new member", () -> leaderAmong(up).put("after", "wipe"));
                Poll.until("the new member applied it", () -> again.get("after", true).equals(Optional.of("wipe")));
                assertEquals(Optional.of("v"), again.get("k", true));
            }
        }
    }

    /**
     * The launcher's default, {@code --initial-cluster-state new}, bootstraps an empty directory again: the same
     * member and cluster id, a fresh log, a new incarnation. Refused just the same, and the others go on.
     */
    @Test
    void aWipedMemberBootstrappedAgainAsNewIsRefusedToo() {
        try (TestCluster cluster = new TestCluster(root, 3); LogLines log = new LogLines()) {
            cluster.startAll();
            cluster.awaitLeader();
            awaitIncarnationsRecorded(cluster.running(), 3);
            long known = cluster.members[2].incarnation();
            cluster.stop(3);
            deleteTree(root.resolve("member-3"));
            Keel again = cluster.start(3);
            log.await("WRONG_INCARNATION", "member 3 runs on a data directory of incarnation " + hex(again.incarnation())
                    + ", but the cluster knows it as incarnation " + hex(known));
            List<Keel> others = List.of(cluster.members[0], cluster.members[1]);
            Poll.retrying("the others go on", () -> leaderAmong(others).put("k", "v"));
            assertEquals(Optional.empty(), again.get("k", true));
            assertEquals(0, again.leaderId());
        }
    }

    /** The incarnation is the data directory's: the same after restarts, and the directory records it. */
    @Test
    void aMemberKeepsItsIncarnationAcrossRestarts() {
        try (TestCluster cluster = new TestCluster(root, 1)) {
            Keel k = cluster.start(1);
            long incarnation = k.incarnation();
            assertNotEquals(0, incarnation);
            Poll.until("published", () -> k.membership().self() != null && k.membership().self().incarnation() != 0);
            assertEquals(incarnation, k.membership().self().incarnation());
            cluster.stop(1);
            Keel restarted = cluster.members[0] = cluster.builder(1).newCluster(false).start();
            assertEquals(incarnation, restarted.incarnation());
            assertEquals(incarnation, restarted.membership().self().incarnation());
            Poll.retrying("a write after the restart", () -> restarted.put("still", "serving"));
        }
    }

    private static void awaitIncarnationsRecorded(List<Keel> members, int count) {
        Poll.until("every member records every member's incarnation", () -> members.stream().allMatch(k -> {
            List<MemberInfo> list = k.membership().list();
            return list.size() == count && list.stream().allMatch(m -> m.incarnation() != 0);
        }));
    }

    private static Keel leaderAmong(List<Keel> members) {
        Keel[] leader = new Keel[1];
        Poll.until("one leader known to " + members.stream().map(Keel::memberId).toList(), () -> {
            List<Keel> leaders = members.stream().filter(Keel::isLeader).toList();
            if (leaders.size() != 1) return false;
            leader[0] = leaders.get(0);
            return members.stream().allMatch(k -> k.leaderId() == leader[0].memberId());
        });
        return leader[0];
    }

    private static String hex(long id) {
        return Long.toHexString(id);
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
