package io.keel.server.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.ClusterGrpc;
import io.keel.server.etcd.proto.MemberAddRequest;
import io.keel.server.etcd.proto.MemberUpdateRequest;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    /**
     * Two scenarios on one cluster (three launcher JVMs started once rather than twice: most of each scenario's
     * time on a loaded machine): the first ends with its three voters whole again, which is where the second starts.
     */
    @Test
    void changesThroughAFollowerThenTheStrictCheckWithAVoterDown() throws Exception {
        ProcessCluster c = cluster("any-member");
        addUpdatePromoteAndRemoveThroughAFollowerAndTheRemovedMemberStopsByItself(c);
        strictReconfigCheckRefusesWhileAVoterIsDown(c);
    }

    /** Three voters, all running: every change through a follower; the member added and removed stops by itself. */
    private void addUpdatePromoteAndRemoveThroughAFollowerAndTheRemovedMemberStopsByItself(ProcessCluster c)
            throws Exception {
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
        // etcdctl checks URLs itself; a client that does not gets etcd's error from the leader.
        refused(follower, "URL scheme must be http", "member", "add", "bad", "--peer-urls=not-a-url", "--learner");
        String before = ok(follower, "member", "list");
        for (String bad : List.of("not-a-url", "http://127.0.0.1", "http://127.0.0.1:2380/path", "ftp://h:1")) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClusterGrpc
                    .newBlockingStub(follower.channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .memberAdd(MemberAddRequest.newBuilder().addPeerURLs(bad).setIsLearner(true).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), bad);
            assertEquals("etcdserver: given member URLs are invalid", e.getStatus().getDescription(), bad);
            StatusRuntimeException u = assertThrows(StatusRuntimeException.class, () -> ClusterGrpc
                    .newBlockingStub(follower.channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .memberUpdate(MemberUpdateRequest.newBuilder().setID(c.id(leader))
                            .addPeerURLs(bad).build()));
            assertEquals("etcdserver: given member URLs are invalid", u.getStatus().getDescription(), bad);
        }
        assertEquals(before, ok(follower, "member", "list"));

        // A call another member forwarded is never forwarded again (at most one hop, so never applied twice by a
        // chain of forwards): a follower refuses it with etcd's "leader changed", and nothing changes.
        io.grpc.Metadata forwarded = new io.grpc.Metadata();
        forwarded.put(io.grpc.Metadata.Key.of("keel-forwarded-by", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "1");
        StatusRuntimeException again = assertThrows(StatusRuntimeException.class, () -> ClusterGrpc
                .newBlockingStub(follower.channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(forwarded))
                .memberAdd(MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:" + FreePorts.next())
                        .setIsLearner(true).build()));
        assertEquals(Status.Code.UNAVAILABLE, again.getStatus().getCode());
        assertEquals("etcdserver: leader changed", again.getStatus().getDescription());
        assertEquals(before, ok(follower, "member", "list"));
        String leaderHex = Long.toHexString(c.id(leader));
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

        // Started again on its data, it stops the same way.
        m4.start("--initial-cluster", c.initialCluster + ",m4=" + m4.peerUrl(), "--initial-cluster-token",
                "any-member", "--initial-cluster-state", "existing", "--member-id", hex, "--cluster-id", clusterId);
        assertTrue(m4.process().waitFor(ProcessCluster.DEADLINE.toSeconds(), TimeUnit.SECONDS),
                "the removed member runs again: " + m4.outputTail(20));
        assertEquals(0, m4.process().exitValue(), m4.outputTail(20));
        assertTrue(m4.output().contains("keel: member m4 stopped: member " + hex + " was removed from cluster"),
                m4.outputTail(20));
    }

    /**
     * A voter added directly (no --learner), then started (issue 15). While it has not started, it counts in the
     * quorum but not among the started members: removing a started follower still leaves two started of three
     * voters, but removing the next would leave one started of two, which --strict-reconfig-check refuses with
     * etcd's error. Once started, the new voter makes the cluster whole again.
     */
    @Test
    void aRemovalLeavingTooFewStartedMembersIsRefusedUntilTheAddedVoterStarts() throws Exception {
        ProcessCluster c = cluster("voters");
        MemberProcess leader = ProcessCluster.awaitLeaderKnownToAll(c.members);
        MemberProcess follower = c.others(leader).get(0);
        MemberProcess leaving = c.others(leader).get(1);
        ok(leader, "put", "k", "v");

        MemberProcess m4 = newMember("m4");
        Matcher id = ADDED.matcher(ok(follower, "member", "add", "m4", "--peer-urls=" + m4.peerUrl()));
        assertTrue(id.find());
        String hex = id.group(1);
        String list = ok(follower, "member", "list");
        assertTrue(list.contains(hex + ", unstarted, , " + m4.peerUrl() + ", , false"), list);

        String leavingHex = Long.toHexString(c.id(leaving));
        ok(follower, "member", "remove", leavingHex);
        assertTrue(leaving.process().waitFor(ProcessCluster.DEADLINE.toSeconds(), TimeUnit.SECONDS),
                "the removed member still runs: " + leaving.outputTail(20));
        assertEquals(0, leaving.process().exitValue());
        String followerHex = Long.toHexString(c.id(follower));
        refused(follower, "etcdserver: re-configuration failed due to not enough started members", "member",
                "remove", followerHex);
        refused(leader, "etcdserver: re-configuration failed due to not enough started members", "member",
                "remove", followerHex);

        m4.start("--initial-cluster", c.initialCluster + ",m4=" + m4.peerUrl(), "--initial-cluster-token", "voters",
                "--initial-cluster-state", "existing", "--member-id", hex, "--cluster-id", id.group(2));
        ProcessCluster.awaitValue(m4, "k", "v");
        Poll.until("m4 announced itself", ProcessCluster.DEADLINE,
                () -> ctl(follower, "member", "list").out().contains(hex + ", started, m4, " + m4.peerUrl()));
        ok(m4, "put", "with", "m4");
        for (MemberProcess m : List.of(leader, follower, m4)) ProcessCluster.awaitValue(m, "with", "m4");
        // Started now: the same removal passes the check (two started of the two voters left).
        ok(follower, "member", "remove", followerHex);
    }

    /**
     * --strict-reconfig-check on (the default): with one voter down, the leader refuses to add (even a learner: it
     * does not hear from every voter) and to remove a live voter (the live ones without it would be no quorum),
     * with etcd's "unhealthy cluster"; removing the member that is down is allowed. Starts from three voters, all
     * running, with a leader known to all.
     */
    private void strictReconfigCheckRefusesWhileAVoterIsDown(ProcessCluster c) throws Exception {
        MemberProcess leader = ProcessCluster.awaitLeaderKnownToAll(c.members);
        MemberProcess down = c.others(leader).get(0);
        MemberProcess follower = c.others(leader).get(1);
        down.kill9();
        String downHex = Long.toHexString(c.id(down));
        String followerHex = Long.toHexString(c.id(follower));
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

    /**
     * A member whose data directory was wiped comes back in one step: started again with its usual flags, an empty
     * data directory and --rejoin-via (any running member's client URL), it replaces its old self (removed), joins
     * as a new member, is promoted once caught up, and then votes: with the old leader gone, it and the other
     * follower elect a leader and commit. Started so on a directory that holds data, it is refused and nothing
     * changes.
     */
    @Test
    void aWipedMemberRejoinsInOneStep() throws Exception {
        Path clusterDir = Files.createDirectories(dir.resolve("rejoin"));
        ProcessCluster c = ProcessCluster.start(clusterDir, "rejoin", "m1", "m2", "m3");
        open.add(c);
        MemberProcess leader = ProcessCluster.awaitLeaderKnownToAll(c.members);
        MemberProcess other = c.others(leader).get(0);
        MemberProcess wiped = c.others(leader).get(1);
        ok(leader, "put", "k", "v");
        ProcessCluster.awaitValue(wiped, "k", "v");
        String via = "http://127.0.0.1:" + other.clientPort;

        // With its data still there: refused, nothing changed.
        String before = ok(other, "member", "list");
        wiped.kill9();
        OfflineTools.Result withData = OfflineTools.keel(dir, launcherFlags(c, wiped, "--initial-cluster-state",
                "existing", "--rejoin-via", via));
        assertEquals(ExitCodes.USAGE, withData.exit(), withData.out());
        assertTrue(withData.out().contains("--rejoin-via is for a member whose data directory is gone"),
                withData.out());
        assertEquals(before, ok(other, "member", "list"));

        deleteTree(clusterDir.resolve(wiped.name));
        c.startMember(wiped, "--initial-cluster-state", "existing", "--rejoin-via", via);
        Poll.until(wiped.name + " promoted", ProcessCluster.DEADLINE,
                () -> wiped.output().contains("promoted to voter"), () -> wiped.outputTail(30));
        String out = wiped.output();
        String oldHex = Long.toHexString(c.id(wiped));
        assertTrue(out.contains("keel: removed member " + oldHex + " (" + wiped.name + ") at " + wiped.peerUrl()),
                out);
        ProcessCluster.awaitValue(wiped, "k", "v");
        String list = ok(other, "member", "list");
        assertEquals(3, list.lines().count(), list);
        assertFalse(list.contains(oldHex), list);
        assertFalse(list.contains("true"), list); // no learner left

        // (Its new id is not its name's: ProcessCluster's leader helpers cannot name it, so the write tells.)
        leader.kill9();
        Poll.until("a write with the old leader gone", ProcessCluster.DEADLINE,
                () -> ctl(wiped, "put", "after", "rejoin").exit() == 0);
        ProcessCluster.awaitValue(other, "after", "rejoin");
    }

    /** The launcher's arguments {@code c.startMember(m, more)} would use, for a run to completion. */
    private static String[] launcherFlags(ProcessCluster c, MemberProcess m, String... more) {
        List<String> args = new ArrayList<>(List.of("--name", m.name, "--data-dir", m.dataDir().toString(),
                "--listen-client-urls", "http://127.0.0.1:" + m.clientPort,
                "--advertise-client-urls", "http://127.0.0.1:" + m.clientPort,
                "--listen-peer-urls", m.peerUrl(), "--initial-advertise-peer-urls", m.peerUrl(),
                "--initial-cluster", c.initialCluster, "--initial-cluster-token", "rejoin"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        try (java.util.stream.Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
