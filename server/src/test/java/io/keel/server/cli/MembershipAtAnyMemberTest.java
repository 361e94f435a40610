package io.keel.server.cli;

import io.keel.server.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.keel.server.cli.OfflineTools.endpoint;
import static io.keel.server.cli.OfflineTools.etcdctl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14 "membership at any member" and issue 15's voters added directly, on launcher processes with Debian's
 * etcdctl: every change sent to a follower's endpoint (forwarded to the leader), a removed member that stops by
 * itself, etcd's --strict-reconfig-check refusals and their absence when it is off, bad input refused with etcd's
 * errors and nothing changed.
 */
@ExtendWith(MemberOutputOnFailure.class)
class MembershipAtAnyMemberTest {
    private static final Pattern ADDED = Pattern.compile("Member\\s+([0-9a-f]+) added to cluster\\s+([0-9a-f]+)");

    private final List<AutoCloseable> open = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stopAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    private OfflineTools.Result ctl(MemberProcess at, String... args) {
        try {
            return etcdctl(dir, endpoint(at), args);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String ok(MemberProcess at, String... args) {
        OfflineTools.Result r = ctl(at, args);
        assertEquals(0, r.exit(), () -> "etcdctl " + String.join(" ", args) + " at " + at.name + ": " + r.out());
        return r.out();
    }

    /** etcdctl fails with {@code error} in its output, and the member list at {@code at} is what it was. */
    private void refused(MemberProcess at, String error, String... args) {
        String before = ok(at, "member", "list");
        OfflineTools.Result r = ctl(at, args);
        assertNotEquals(0, r.exit(), () -> "etcdctl " + String.join(" ", args) + " succeeded: " + r.out());
        assertTrue(r.out().contains(error), () -> "etcdctl " + String.join(" ", args) + ": expected '" + error
                + "', got: " + r.out());
        assertEquals(before, ok(at, "member", "list"), "a refused change changed the member list");
    }

    private ProcessCluster cluster(String token, String... flags) throws Exception {
        ProcessCluster c = ProcessCluster.start(Files.createDirectories(dir.resolve(token)), token, List.of(flags),
                "m1", "m2", "m3");
        open.add(c);
        return c;
    }

    private MemberProcess newMember(String name) {
        MemberProcess m = new MemberProcess(name, dir);
        open.add(m);
        return m;
    }

    @Test
    void addUpdatePromoteAndRemoveThroughAFollower_theRemovedMemberStopsByItself() throws Exception {
        ProcessCluster c = cluster("any-member");
        MemberProcess leader = ProcessCluster.awaitLeaderKnownToAll(c.members);
        MemberProcess follower = c.others(leader).get(0);
        ok(leader, "put", "before", "join");

        // Bad input at the follower: etcd's errors, nothing changed.
        refused(follower, "etcdserver: member not found", "member", "remove", "1234abcd");
        refused(follower, "etcdserver: member not found", "member", "promote", "1234abcd");
        refused(follower, "etcdserver: member not found", "member", "update", "1234abcd",
                "--peer-urls=http://127.0.0.1:1");
        refused(follower, "etcdserver: Peer URLs already exists", "member", "add", "dup",
                "--peer-urls=" + leader.peerUrl(), "--learner");
        refused(follower, "etcdserver: given member URLs are invalid", "member", "add", "bad",
                "--peer-urls=not-a-url", "--learner");
        String leaderHex = Long.toHexString(MemberIds.fromName(leader.name));
        refused(follower, "etcdserver: can only promote a learner member", "member", "promote", leaderHex);

        // Add a learner through the follower, first at an address nobody listens on; the follower's own list
        // shows it at once (the answer waits until the follower applied the change too).
        MemberProcess m4 = newMember("m4");
        String placeholder = "http://127.0.0.1:" + FreePorts.next();
        String added = ok(follower, "member", "add", "m4", "--peer-urls=" + placeholder, "--learner");
        Matcher id = ADDED.matcher(added);
        assertTrue(id.find(), added);
        String hex = id.group(1);
        String clusterId = id.group(2);
        assertTrue(ok(follower, "member", "list").contains(hex + ", unstarted, , " + placeholder + ", , true"));

        // Update its peer URL through the follower, then start it there: it joins only if every member took it.
        String updated = ok(follower, "member", "update", hex, "--peer-urls=" + m4.peerUrl());
        assertTrue(updated.contains("updated in cluster"), updated);
        m4.start("--initial-cluster", c.initialCluster + ",m4=" + m4.peerUrl(), "--initial-cluster-token",
                "any-member", "--initial-cluster-state", "existing", "--member-id", hex, "--cluster-id", clusterId);
        ProcessCluster.awaitValue(m4, "before", "join");

        // Promote through the follower once it has caught up (and published its data directory's incarnation).
        Poll.until("m4 promoted through " + follower.name, ProcessCluster.DEADLINE,
                () -> ctl(follower, "member", "promote", hex).exit() == 0);
        String voters = ok(follower, "member", "list");
        assertTrue(voters.contains(hex + ", started, m4, " + m4.peerUrl()) && voters.contains(", false"), voters);
        refused(follower, "etcdserver: can only promote a learner member", "member", "promote", hex);

        // Remove it through the follower: it stops by itself, with one line, exit 0.
        String removed = ok(follower, "member", "remove", hex);
        assertTrue(removed.contains("removed from cluster"), removed);
        assertFalse(ok(follower, "member", "list").contains(hex));
        assertTrue(m4.process().waitFor(ProcessCluster.DEADLINE.toSeconds(), TimeUnit.SECONDS),
                "the removed member still runs: " + m4.outputTail(20));
        assertEquals(0, m4.process().exitValue(), m4.outputTail(20));
        List<String> stopLines = m4.output().lines().filter(l -> l.startsWith("keel: member m4 stopped")).toList();
        assertEquals(1, stopLines.size(), m4.outputTail(20));
        assertTrue(stopLines.get(0).contains("member " + hex + " was removed from cluster " + clusterId),
                stopLines.get(0));
        refused(follower, "etcdserver: member not found", "member", "remove", hex);
        ok(follower, "put", "after", "removal");
    }

    /**
     * A voter added directly (no --learner) to a one-member cluster, then started: etcd's restore case (one started
     * member may add a second). A third voter is refused while the second has not started (too few started
     * members); once it has, adding the third works, and the three make a cluster.
     */
    @Test
    void aVoterAddedDirectlyThenStarted_tooFewStartedMembersRefused() throws Exception {
        ProcessCluster c = ProcessCluster.start(Files.createDirectories(dir.resolve("voters")), "voters", "m1");
        open.add(c);
        MemberProcess m1 = c.members.get(0);
        ok(m1, "put", "k", "v");

        MemberProcess m2 = newMember("m2");
        Matcher id2 = ADDED.matcher(ok(m1, "member", "add", "m2", "--peer-urls=" + m2.peerUrl()));
        assertTrue(id2.find());
        String list = ok(m1, "member", "list");
        assertTrue(list.contains(id2.group(1) + ", unstarted, , " + m2.peerUrl() + ", , false"), list);

        MemberProcess m3 = newMember("m3");
        refused(m1, "etcdserver: re-configuration failed due to not enough started members", "member", "add", "m3",
                "--peer-urls=" + m3.peerUrl());

        String initial = c.initialCluster + ",m2=" + m2.peerUrl();
        m2.start("--initial-cluster", initial, "--initial-cluster-token", "voters", "--initial-cluster-state",
                "existing", "--member-id", id2.group(1), "--cluster-id", id2.group(2));
        ProcessCluster.awaitValue(m2, "k", "v");
        ProcessCluster.awaitLeaderKnownToAll(List.of(m1, m2));
        Poll.until("m2 announced itself", ProcessCluster.DEADLINE, () -> {
            OfflineTools.Result r = ctl(m1, "member", "list");
            return r.exit() == 0 && r.out().contains(id2.group(1) + ", started, m2");
        });

        // Through whichever of the two does not lead: forwarded.
        MemberProcess leader = ProcessCluster.awaitLeaderKnownToAll(List.of(m1, m2));
        MemberProcess other = leader == m1 ? m2 : m1;
        Matcher id3 = ADDED.matcher(ok(other, "member", "add", "m3", "--peer-urls=" + m3.peerUrl()));
        assertTrue(id3.find());
        m3.start("--initial-cluster", initial + ",m3=" + m3.peerUrl(), "--initial-cluster-token", "voters",
                "--initial-cluster-state", "existing", "--member-id", id3.group(1), "--cluster-id", id3.group(2));
        ProcessCluster.awaitValue(m3, "k", "v");
        ProcessCluster.awaitLeaderKnownToAll(List.of(m1, m2, m3));
        ok(m3, "put", "with", "three");
        for (MemberProcess m : List.of(m1, m2, m3)) ProcessCluster.awaitValue(m, "with", "three");
    }

    /**
     * --strict-reconfig-check on (the default): with one voter down, the leader refuses to add (even a learner: it
     * does not hear from every voter) and to remove a live voter (the live ones without it would be no quorum),
     * with etcd's "unhealthy cluster"; removing the member that is down is allowed.
     */
    @Test
    void strictReconfigCheckRefusesWhileAVoterIsDown() throws Exception {
        ProcessCluster c = cluster("strict");
        MemberProcess leader = ProcessCluster.awaitLeaderKnownToAll(c.members);
        MemberProcess down = c.others(leader).get(0);
        MemberProcess follower = c.others(leader).get(1);
        down.kill9();
        String downHex = Long.toHexString(MemberIds.fromName(down.name));
        String followerHex = Long.toHexString(MemberIds.fromName(follower.name));
        String spare = "http://127.0.0.1:" + FreePorts.next();

        // The leader counts the member silent after an election timeout: until then the add may still pass.
        Poll.until("the leader notices " + down.name + " is down", ProcessCluster.DEADLINE, () -> {
            OfflineTools.Result r = ctl(follower, "member", "add", "probe", "--peer-urls=" + spare, "--learner");
            Matcher probe = ADDED.matcher(r.out());
            if (r.exit() == 0 && probe.find()) ok(follower, "member", "remove", probe.group(1)); // too early
            return r.exit() != 0 && r.out().contains("etcdserver: unhealthy cluster");
        });
        String list = ok(follower, "member", "list");
        assertEquals(3, list.lines().count(), list);
        refused(follower, "etcdserver: unhealthy cluster", "member", "add", "m4", "--peer-urls=" + spare);
        refused(follower, "etcdserver: unhealthy cluster", "member", "add", "m4", "--peer-urls=" + spare,
                "--learner");
        refused(follower, "etcdserver: unhealthy cluster", "member", "remove", followerHex);
        ok(follower, "put", "still", "serving");

        // The member that is down is no part of the active quorum: removing it is allowed.
        ok(follower, "member", "remove", downHex);
        assertEquals(2, ok(follower, "member", "list").lines().count());
    }

    /**
     * --strict-reconfig-check=false on every member: with a voter down, an add goes through, and the leader says
     * what the check would have refused. (Learners are added and removed again until the leader has counted the
     * member that is down as silent: it does so an election timeout after its last answer.)
     */
    @Test
    void withoutStrictReconfigCheckTheSameAddGoesThrough() throws Exception {
        ProcessCluster c = cluster("lax", "--strict-reconfig-check=false");
        MemberProcess leader = ProcessCluster.awaitLeaderKnownToAll(c.members);
        MemberProcess down = c.others(leader).get(0);
        MemberProcess follower = c.others(leader).get(1);
        down.kill9();
        String warning = "--strict-reconfig-check is off: adding a learner goes ahead although the check refuses"
                + " it: etcdserver: unhealthy cluster";
        Poll.until("an add the strict check would refuse goes through", ProcessCluster.DEADLINE, () -> {
            String added = ok(follower, "member", "add", "m4", "--peer-urls=http://127.0.0.1:" + FreePorts.next(),
                    "--learner");
            Matcher id = ADDED.matcher(added);
            assertTrue(id.find(), added);
            assertEquals(4, ok(follower, "member", "list").lines().count());
            if (leader.output().contains(warning)) return true;
            ok(follower, "member", "remove", id.group(1)); // too early: the leader still counted it active
            return false;
        });
    }
}
