package io.keel.server.cli;

import io.keel.server.Poll;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.etcd.proto.StatusRequest;
import io.keel.server.etcd.proto.StatusResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.keel.server.cli.OfflineTools.all;
import static io.keel.server.cli.OfflineTools.describe;
import static io.keel.server.cli.OfflineTools.endpoint;
import static io.keel.server.cli.OfflineTools.etcdctl;
import static io.keel.server.cli.OfflineTools.keel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14, a majority lost for good: of three processes, one follower is killed, writes go on (each one now
 * needs the survivor), then the leader is killed too. {@code keel recover} refuses while the old leader still
 * answers, then rewrites the survivor as a one-member cluster; it serves every acknowledged write, and two new
 * members join it with etcdctl member add and hold the same data.
 */
@ExtendWith(MemberOutputOnFailure.class)
class MajorityLossRecoveryTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    @Test
    void twoOfThreeGoneForGoodTheThirdRecoversAndTwoNewMembersJoin(@TempDir Path dir) throws Exception {
        Path oldDir = Files.createDirectories(dir.resolve("old"));
        ProcessCluster old = ProcessCluster.start(oldDir, "recover-old", "m1", "m2", "m3");
        open.add(old);
        MemberProcess leader = ProcessCluster.awaitLeaderKnownToAll(old.members);
        MemberProcess lost = old.others(leader).get(0);
        MemberProcess survivor = old.others(leader).get(1);

        OfflineTools.Writer writer = new OfflineTools.Writer("ack", List.of(leader));
        open.add(writer);
        Poll.until("50 writes acknowledged", ProcessCluster.DEADLINE, () -> writer.count() >= 50);
        lost.kill9();
        // From here every acknowledged write is in the survivor's log: the leader cannot commit without it.
        int atLoss = writer.count();
        Poll.until("50 more writes acknowledged with one member gone", ProcessCluster.DEADLINE,
                () -> writer.count() >= atLoss + 50);
        survivor.process().destroy(); // SIGTERM: the survivor's process must be stopped for the recovery
        assertTrue(survivor.process().waitFor(60, TimeUnit.SECONDS), "the survivor stopped");
        Path survivorData = oldDir.resolve(survivor.name);

        OfflineTools.Result refused = keel(dir, "recover", "--data-dir", survivorData.toString(),
                "--initial-cluster-token", "recover-new");
        assertEquals(ExitCodes.REFUSED, refused.exit(), refused::toString);
        assertTrue(refused.out().contains("still answer on their peer URL") && refused.out().contains(leader.peerUrl()),
                refused::toString);

        leader.kill9();
        writer.close();
        Map<String, Long> acknowledged = Map.copyOf(writer.acknowledged);

        // Both remaining data directories: the survivor's log is ahead of the one killed first.
        Path lostData = oldDir.resolve(lost.name);
        OfflineTools.Result dry = keel(dir, "recover", "--data-dir", lostData.toString(), "--data-dir",
                survivorData.toString(), "--dry-run");
        assertEquals(0, dry.exit(), dry::toString);
        assertTrue(dry.out().contains("chosen: " + survivorData), dry::toString);
        assertTrue(dry.out().contains(lostData + " is not used"), dry::toString);
        assertTrue(dry.out().contains("nothing was changed"), dry::toString);
        OfflineTools.Result recovered = keel(dir, "recover", "--data-dir", survivorData.toString(),
                "--initial-cluster-token", "recover-new");
        assertEquals(0, recovered.exit(), recovered::toString);
        assertTrue(recovered.out().contains("chosen: " + survivorData), recovered::toString);
        Matcher newCluster = Pattern.compile("only member of NEW cluster ([0-9a-f]+)").matcher(recovered.out());
        assertTrue(newCluster.find(), recovered::toString);
        String clusterId = newCluster.group(1);
        OfflineTools.Result again = keel(dir, "recover", "--data-dir", survivorData.toString(),
                "--initial-cluster-token", "recover-new");
        assertEquals(0, again.exit(), again::toString);
        assertTrue(again.out().contains("already is the only member of cluster " + clusterId), again::toString);

        // Started with the flags recover printed: its member id (etcd's, from the old token) and the new cluster id.
        Matcher ids = Pattern.compile("--member-id ([0-9a-f]+) --cluster-id ([0-9a-f]+)").matcher(recovered.out());
        assertTrue(ids.find(), recovered::toString);
        assertEquals(clusterId, ids.group(2));
        survivor.start("--initial-cluster", survivor.name + "=" + survivor.peerUrl(), "--initial-cluster-token",
                "recover-new", "--initial-cluster-state", "existing", "--member-id", ids.group(1), "--cluster-id",
                ids.group(2));
        ProcessCluster.awaitLeaderKnownToAll(List.of(survivor));
        Map<String, String> data = describe(all(survivor, 0, false));
        for (String key : acknowledged.keySet()) {
            assertTrue(data.containsKey(key), "acknowledged " + key + " is missing after the recovery");
        }
        assertEquals(clusterId, Long.toHexString(all(survivor, 0, true).getHeader().getClusterId()));
        String members = etcdctl(dir, endpoint(survivor), "member", "list").out();
        assertEquals(1, members.lines().count(), members);

        // Two new members, one at a time, each from an empty data directory.
        Path newDir = Files.createDirectories(dir.resolve("new"));
        List<MemberProcess> cluster = new ArrayList<>(List.of(survivor));
        StringBuilder initialCluster = new StringBuilder(survivor.name + "=" + survivor.peerUrl());
        for (String name : List.of("m4", "m5")) {
            MemberProcess added = new MemberProcess(name, newDir);
            open.add(added);
            OfflineTools.Result add = etcdctl(dir, endpoint(survivor), "member", "add", name,
                    "--peer-urls=" + added.peerUrl(), "--learner");
            assertEquals(0, add.exit(), add::toString);
            Matcher id = Pattern.compile("Member\\s+([0-9a-f]+) added to cluster\\s+([0-9a-f]+)").matcher(add.out());
            assertTrue(id.find(), add::toString);
            assertEquals(clusterId, id.group(2));
            initialCluster.append(',').append(name).append('=').append(added.peerUrl());
            added.start("--initial-cluster", initialCluster.toString(), "--initial-cluster-token", "recover-new",
                    "--initial-cluster-state", "existing", "--member-id", id.group(1), "--cluster-id", clusterId);
            Poll.until(name + " promoted once caught up", ProcessCluster.DEADLINE, () -> {
                try {
                    return etcdctl(dir, endpoint(survivor), "member", "promote", id.group(1)).exit() == 0;
                } catch (Exception e) {
                    return false;
                }
            });
            cluster.add(added);
        }
        Poll.until("three members agree on a leader", ProcessCluster.DEADLINE, () -> {
            long agreed = -1;
            for (MemberProcess m : cluster) {
                try {
                    StatusResponse s = MaintenanceGrpc.newBlockingStub(m.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                            .status(StatusRequest.getDefaultInstance());
                    if (s.getLeader() == 0 || (agreed != -1 && s.getLeader() != agreed)) return false;
                    agreed = s.getLeader();
                } catch (RuntimeException e) {
                    return false;
                }
            }
            return true;
        });
        assertEquals(0, etcdctl(dir, endpoint(cluster.get(2)), "put", "after-recovery", "1").exit());
        Map<String, String> now = describe(all(survivor, 0, false));
        for (MemberProcess m : cluster) {
            Poll.until(m.name + " holds everything", ProcessCluster.DEADLINE,
                    () -> describe(all(m, 0, true)).equals(now));
        }
        String list = etcdctl(dir, endpoint(cluster.get(1)), "member", "list").out();
        assertEquals(3, list.lines().count(), list);
        assertTrue(list.contains("m4") && list.contains("m5") && list.contains(survivor.name), list);
    }
}
