package io.keel.server.cli;

import io.keel.server.Keel;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.RangeResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * etcd's URL flags as etcd takes them: several URLs per flag, a name given several times in --initial-cluster,
 * {@code unix://} peer URLs; and the ids: etcd's for new clusters, the recorded ones for data made before.
 */
class EtcdUrlFlagsTest {
    @Test
    void severalUrlsPerFlagAndUnixPeersAreTakenAsEtcdTakesThem() {
        MemberSettings s = settings("--name", "e1",
                "--listen-client-urls", "http://127.0.0.1:2379,http://127.0.0.1:3379",
                "--listen-peer-urls", "unix://e1.sock,http://127.0.0.1:2380",
                "--initial-advertise-peer-urls", "http://127.0.0.1:2380,unix://e1.sock",
                "--initial-cluster", "e1=unix://e1.sock,e1=http://127.0.0.1:2380,e2=http://127.0.0.1:12380",
                "--initial-cluster-token", "multi");
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 2379), new InetSocketAddress("127.0.0.1", 3379)),
                s.urls().clientListen());
        assertEquals(List.<SocketAddress>of(UnixDomainSocketAddress.of("e1.sock"),
                new InetSocketAddress("127.0.0.1", 2380)), s.urls().peerListen());
        assertEquals(new InetSocketAddress("127.0.0.1", 2380), s.peerListen(), "the first TCP one");
        assertEquals(List.of("unix://e1.sock", "http://127.0.0.1:2380"), s.urls().initialPeerUrls().get(s.id()));
        // etcd sorts a member's URLs before hashing them: the order given does not change the id.
        assertEquals(io.keel.server.membership.EtcdIds.initialMember(
                List.of("http://127.0.0.1:2380", "unix://e1.sock"), "multi"), s.id());
        assertEquals(2, s.urls().initialPeerUrls().size());
    }

    /** A data directory made when ids derived from names keeps its ids: a running cluster's ids never change. */
    @Test
    void aDataDirectoryMadeWithNameDerivedIdsKeepsThem(@TempDir Path dir) {
        InetSocketAddress peer = FreePorts.loopback();
        long oldId = MemberIds.fromName("m1");
        long oldCluster;
        try (Keel before = Keel.builder().id(oldId).dataDir(dir.resolve("m1")).listen(peer)
                .initialCluster(Map.of(oldId, peer)).initialClusterToken("keel-cluster").start()) {
            oldCluster = before.clusterId();
        }
        String[] flags = {"--name", "m1", "--data-dir", dir.resolve("m1").toString(),
                "--listen-peer-urls", url(peer), "--initial-advertise-peer-urls", url(peer)};
        // The flags alone give etcd's ids (the launcher does not open the log to look); the member's own open of
        // its log finds the name-derived ones, and the launcher starts it again with them.
        MemberSettings assumed = settings(flags);
        assertNotEquals(oldId, assumed.id());
        List<MemberSettings> tried = new java.util.ArrayList<>();
        try (Keel after = LaunchIds.startOnItsData(assumed, s -> {
            tried.add(s);
            try {
                return Keel.builder().id(s.id()).dataDir(s.dataDir()).listen(peer)
                        .initialPeerUrls(s.urls().initialPeerUrls()).clusterId(s.urls().newClusterId()).start();
            } catch (RuntimeException e) {
                throw RunningMember.refusal("member m1", e); // as the launcher's start reports it
            }
        }, recorded -> settings(recorded, flags))) {
            assertEquals(oldCluster, after.clusterId());
            assertEquals(oldId, after.memberId());
        }
        assertEquals(2, tried.size(), "etcd's ids first, then the recorded ones");
        assertEquals(oldId, tried.get(1).id());
        assertEquals(oldCluster, tried.get(1).urls().newClusterId());
        MemberSettings fresh = settings("--name", "m1", "--data-dir", dir.resolve("new").toString(),
                "--listen-peer-urls", url(peer), "--initial-advertise-peer-urls", url(peer));
        assertEquals(io.keel.server.membership.EtcdIds.initialMember(List.of(url(peer)), "etcd-cluster"), fresh.id(),
                "a new data directory gets etcd's id");
    }

    /** The launcher listens on a Unix socket and a TCP port for peers, and serves clients on two ports. */
    @Test
    void aLauncherServesOnAUnixPeerSocketAndTwoClientUrls(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("m1.sock");
        int secondClient = FreePorts.next();
        int peerTcp = FreePorts.next();
        try (MemberProcess m = new MemberProcess("m1", dir)) {
            String unix = "unix://" + socket;
            m.start("--listen-peer-urls", unix + ",http://127.0.0.1:" + peerTcp,
                    "--initial-advertise-peer-urls", unix, "--initial-cluster", "m1=" + unix,
                    "--listen-client-urls", "http://127.0.0.1:" + m.clientPort + ",http://127.0.0.1:" + secondClient);
            Poll.until("m1 serves clients", ProcessCluster.DEADLINE,
                    () -> m.output().contains("keel: ready to serve client requests"));
            String out = m.output();
            assertTrue(out.contains("keel: peer URL " + unix + "\n"), out);
            assertTrue(out.contains("keel: peer URL http://127.0.0.1:" + peerTcp + "\n"), out);
            assertTrue(out.contains("keel: client URL http://127.0.0.1:" + secondClient + " "), out);
            assertTrue(java.nio.file.Files.exists(socket), "the socket file is there");
            io.grpc.ManagedChannel second = io.grpc.ManagedChannelBuilder.forAddress("127.0.0.1", secondClient)
                    .usePlaintext().build();
            try {
                RangeResponse r = KVGrpc.newBlockingStub(second).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .range(RangeRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8("k"))
                                .build());
                assertEquals(io.keel.server.membership.EtcdIds.initialMember(List.of(unix), "etcd-cluster"),
                        r.getHeader().getMemberId(), "etcd's id for a member at that unix:// URL");
            } finally {
                second.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static String url(InetSocketAddress a) {
        return "http://127.0.0.1:" + a.getPort();
    }

    private static MemberSettings settings(String... args) {
        KeelCommand cmd = new KeelCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.settings();
    }

    private static MemberSettings settings(io.keel.storage.log.MemberIdentity recordedNameIds, String... args) {
        KeelCommand cmd = new KeelCommand();
        new CommandLine(cmd).parseArgs(args);
        return MemberSettings.of(cmd, recordedNameIds);
    }
}
