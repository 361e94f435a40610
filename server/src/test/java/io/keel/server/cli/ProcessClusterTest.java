package io.keel.server.cli;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.PutRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.keel.server.cli.ProcessCluster.awaitValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Launchers as separate processes: a three-member cluster survives kill -9 of its leader and takes the old leader
 * back with --initial-cluster-state existing; SIGTERM stops a member with exit code 0 and frees its ports.
 */
@ExtendWith(MemberOutputOnFailure.class)
class ProcessClusterTest {
    private static final Duration DEADLINE = ProcessCluster.DEADLINE;

    private final List<MemberProcess> members = new ArrayList<>();

    @AfterEach
    void destroyAll() throws InterruptedException {
        for (MemberProcess m : members) m.close();
    }

    @Test
    void threeProcessesElectWriteSurviveALeaderKillAndCatchUp(@TempDir Path dir) throws Exception {
        ProcessCluster cluster = ProcessCluster.start(dir, "proc-test", "m1", "m2", "m3");
        members.addAll(cluster.members);
        for (MemberProcess m : members) {
            Poll.until(m.name + " reports a leader on /health", DEADLINE, () -> m.status("/health") == 200);
        }

        MemberProcess leader = putAtLeader("k1", "v1", members);
        for (MemberProcess m : members) awaitValue(m, "k1", "v1");

        // The leader measures its peers: heartbeat round trips and bytes sent, per peer.
        Poll.until("the leader has measured round trips to both peers", DEADLINE, () -> {
            String text = leader.metrics();
            return members.stream().filter(m -> m != leader).allMatch(m -> text.contains(
                    "keel_network_peer_round_trip_time_seconds_count{to=\"" + hexId(m) + "\"}"));
        });
        String text = leader.metrics();
        assertTrue(text.matches("(?s).*\\nkeel_network_peer_sent_bytes_total\\{to=\"[0-9a-f]+\"} [1-9].*"), text);
        assertTrue(text.contains("\nkeel_server_is_leader 1.0\n"), text);

        leader.kill9();
        List<MemberProcess> rest = members.stream().filter(m -> m != leader).toList();
        MemberProcess next = putAtLeader("k2", "v2", rest);
        assertTrue(next != leader);

        cluster.startMember(leader, "--initial-cluster-state", "existing");
        awaitValue(leader, "k2", "v2");
        awaitValue(leader, "k1", "v1");
        Poll.until("the restarted member is ready", DEADLINE, () -> leader.status("/readyz") == 200);
        for (MemberProcess m : rest) awaitValue(m, "k2", "v2");
        assertTrue(leader.process().isAlive(), leader.output());

        // SIGTERM to a leader hands leadership to another voter first, as etcd's stop does.
        MemberProcess stopping = ProcessCluster.awaitLeaderKnownToAll(members);
        stopping.process().destroy(); // SIGTERM
        assertTrue(stopping.process().waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), "still running after SIGTERM");
        assertEquals(ExitCodes.OK, stopping.process().exitValue(), stopping.output());
        Matcher handed = Pattern.compile("keel: handed leadership to member ([0-9a-f]+) before stopping")
                .matcher(stopping.output());
        assertTrue(handed.find(), stopping.output());
        List<MemberProcess> survivors = members.stream().filter(m -> m != stopping).toList();
        assertTrue(survivors.stream().anyMatch(m -> hexId(m).equals(handed.group(1))), handed.group(1));
        putAtLeader("k3", "v3", survivors);
        for (MemberProcess m : survivors) awaitValue(m, "k3", "v3");
    }

    @Test
    void sigtermStopsCleanlyWithExitCode0AndFreesThePorts(@TempDir Path dir) throws Exception {
        MemberProcess m = new MemberProcess("solo", dir);
        members.add(m);
        m.start();
        Poll.until("the member reports a leader", DEADLINE, () -> m.status("/health") == 200);
        putAtLeader("k", "v", List.of(m));

        m.process().destroy(); // SIGTERM
        assertTrue(m.process().waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), "still running after SIGTERM");
        assertEquals(ExitCodes.OK, m.process().exitValue(), m.output());
        assertTrue(m.output().contains("keel: member solo stopped"), m.output());
        for (int port : new int[] {m.clientPort, m.peerPort, m.metricsPort}) {
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
                assertEquals(port, s.getLocalPort());
            }
        }
        // It restarts on its data with the same flags, and kept the write.
        m.start("--initial-cluster-state", "existing");
        awaitValue(m, "k", "v");
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Writes through whichever member is leader (so the test learns which one leads), trying again while leadership
     * settles; returns the member that took the write.
     */
    private static MemberProcess putAtLeader(String key, String value, List<MemberProcess> candidates) {
        long end = System.nanoTime() + DEADLINE.toNanos();
        StatusRuntimeException last = null;
        while (System.nanoTime() - end < 0) {
            Optional<MemberProcess> leader = ProcessCluster.leaderAmong(candidates);
            if (leader.isPresent()) {
                try {
                    KVGrpc.newBlockingStub(leader.get().channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                            .put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                                    .setValue(ByteString.copyFromUtf8(value)).build());
                    return leader.get();
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) throw e;
                    last = e;
                }
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // a poll interval
        }
        throw new AssertionError("no leader took the write of " + key + " within " + DEADLINE.toSeconds() + " s",
                last);
    }

    private static String hexId(MemberProcess m) {
        return Long.toHexString(m.printedId());
    }
}
