package io.keel.server.cli;

import io.grpc.StatusRuntimeException;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.etcd.proto.StatusRequest;
import io.keel.server.etcd.proto.StatusResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.keel.server.cli.OfflineTools.etcdctl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14, consistency: `etcdctl endpoint hashkv` gives one hash on every member of three launcher processes at the
 * same revision; then one follower's store is made to diverge while it is down, and once it is back the leader's
 * periodic check (--experimental-corrupt-check-time) raises the CORRUPT alarm naming it: it refuses clients, the
 * cluster refuses writes, and `etcdctl alarm list` and `endpoint status` show it.
 */
@ExtendWith(MemberOutputOnFailure.class)
class CorruptionCheckProcessTest {
    private static final Pattern HASH_LINE = Pattern.compile("^(\\S+), (\\d+)", Pattern.MULTILINE);

    private ProcessCluster cluster;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) cluster.close();
    }

    @Test
    void aDivergedMemberIsFoundRaisesCorruptAndStopsServing(@TempDir Path dir) throws Exception {
        cluster = ProcessCluster.start(dir, "corrupt-check", new String[] {"m1", "m2", "m3"},
                "--experimental-corrupt-check-time", "1s");
        MemberProcess leader = ProcessCluster.awaitLeaderKnownToAll(cluster.members);
        MemberProcess victim = cluster.others(leader).get(0);
        String all = cluster.members.stream().map(OfflineTools::endpoint).collect(Collectors.joining(","));
        for (int i = 0; i < 20; i++) ok(dir, OfflineTools.endpoint(leader), "put", "k" + i, "v" + i);
        long revision = revision(leader);
        for (MemberProcess m : cluster.members) {
            Poll.until(m.name + " applied revision " + revision, ProcessCluster.DEADLINE, () -> revision(m) == revision);
        }
        Map<String, String> healthy = hashes(ok(dir, all, "endpoint", "hashkv"));
        assertEquals(3, healthy.size(), healthy::toString);
        assertEquals(1, healthy.values().stream().distinct().count(), "one hash at one revision: " + healthy);
        assertEquals("", ok(dir, OfflineTools.endpoint(leader), "alarm", "list").trim());

        long victimId = status(victim).getHeader().getMemberId();
        // Stopped cleanly, so that its store's files hold the writes (a killed member's store has no write-ahead
        // log: it would apply them again from its Raft log, over the tampered record).
        victim.process().destroy(); // SIGTERM
        assertTrue(victim.process().waitFor(ProcessCluster.DEADLINE.toSeconds(), TimeUnit.SECONDS),
                () -> victim.outputTail(20));
        StoreTamper.divergeOldestVersion(dir.resolve(victim.name));

        // etcd's --experimental-initial-corrupt-check: the diverged member compares its hash with its peers' before
        // it serves, and stops instead of serving.
        cluster.startMember(victim, "--experimental-initial-corrupt-check");
        assertTrue(victim.process().waitFor(ProcessCluster.DEADLINE.toSeconds(), TimeUnit.SECONDS),
                () -> "the diverged member should stop by itself: " + victim.outputTail(20));
        assertEquals(ExitCodes.FAILED, victim.process().exitValue(), victim::output);
        assertTrue(victim.output().contains("found data inconsistency with peers"), victim::output);

        cluster.startMember(victim);

        String corrupt = "memberID:" + Long.toUnsignedString(victimId) + " alarm:CORRUPT";
        Poll.until("the leader's check raises CORRUPT for " + victim.name, ProcessCluster.DEADLINE,
                () -> ok(dir, OfflineTools.endpoint(leader), "alarm", "list").contains(corrupt));
        assertEquals(corrupt, ok(dir, OfflineTools.endpoint(leader), "alarm", "list").trim(),
                "only the diverged member is named");

        // The diverged member serves no client data; its peers still serve reads; the cluster takes no writes.
        Poll.until(victim.name + " has applied the alarm and refuses reads", ProcessCluster.DEADLINE, () -> {
            OfflineTools.Result get = run(dir, OfflineTools.endpoint(victim), "get", "k1");
            return get.exit() != 0 && get.out().contains("etcdserver: corrupt cluster");
        });
        assertEquals("k1\nv1", ok(dir, OfflineTools.endpoint(leader), "get", "k1").trim());
        OfflineTools.Result put = run(dir, OfflineTools.endpoint(leader), "put", "k1", "again");
        assertTrue(put.exit() != 0 && put.out().contains("etcdserver: corrupt cluster"), put.toString());
        Map<String, String> after = hashes(ok(dir, all, "endpoint", "hashkv"));
        assertNotEquals(after.get(OfflineTools.endpoint(leader)), after.get(OfflineTools.endpoint(victim)),
                "endpoint hashkv shows the divergence: " + after);
        assertTrue(status(victim).getErrorsList().contains(corrupt + " "), "its status lists the alarm");
    }

    private static Map<String, String> hashes(String out) {
        Map<String, String> byEndpoint = new LinkedHashMap<>();
        Matcher m = HASH_LINE.matcher(out);
        while (m.find()) byEndpoint.put(m.group(1), m.group(2));
        return byEndpoint;
    }

    private static long revision(MemberProcess m) {
        try {
            return status(m).getHeader().getRevision();
        } catch (StatusRuntimeException e) {
            return -1;
        }
    }

    private static StatusResponse status(MemberProcess m) {
        return MaintenanceGrpc.newBlockingStub(m.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .status(StatusRequest.getDefaultInstance());
    }

    private static String ok(Path dir, String endpoints, String... args) {
        OfflineTools.Result r = run(dir, endpoints, args);
        assertEquals(0, r.exit(), () -> "etcdctl " + String.join(" ", args) + ": " + r);
        return r.out();
    }

    private static OfflineTools.Result run(Path dir, String endpoints, String... args) {
        try {
            return etcdctl(dir, endpoints, args);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
