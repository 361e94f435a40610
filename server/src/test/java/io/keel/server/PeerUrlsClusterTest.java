package io.keel.server;

import io.keel.server.cli.FreePorts;
import io.keel.server.membership.MemberInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * etcd's peer URLs as etcd takes them: a member listens on every one of its listen URLs, TCP and {@code unix://}
 * alike, and its peers dial its advertised URLs in turn until one answers.
 */
class PeerUrlsClusterTest {
    @Test
    void membersTalkOverAUnixSocketAndTheSecondOfTwoUrls(@TempDir Path dir) throws Exception {
        // Member 1 listens on a Unix socket and on TCP; the others reach it on the socket.
        UnixDomainSocketAddress socket = UnixDomainSocketAddress.of(dir.resolve("m1.sock"));
        InetSocketAddress m1Tcp = FreePorts.loopback();
        // Member 2 listens on two TCP ports, and advertises a port nobody listens on before its second one.
        InetSocketAddress m2First = FreePorts.loopback();
        InetSocketAddress m2Second = FreePorts.loopback();
        InetSocketAddress dead = FreePorts.loopback();
        Map<Long, List<String>> urls = Map.of(
                1L, List.of("unix://" + socket.getPath()),
                2L, List.of(url(dead), url(m2Second)));
        try (Keel m1 = Keel.builder().id(1).dataDir(dir.resolve("m1")).listen(socket).alsoListen(List.of(m1Tcp))
                .initialPeerUrls(urls).start();
             Keel m2 = Keel.builder().id(2).dataDir(dir.resolve("m2")).listen(m2First)
                     .alsoListen(List.of(m2Second)).initialPeerUrls(urls).start()) {
            assertEquals(List.of(socket, m1Tcp), m1.peerAddresses(), "member 1 listens on both of its URLs");
            assertEquals(List.<SocketAddress>of(m2First, m2Second), m2.peerAddresses());
            try (Socket s = new Socket()) {
                s.connect(m2First, 5_000); // the first listen URL is served too, though nobody dials it here
            }

            // Two voters: a leader needs both, so each has reached the other (member 1 at member 2's second URL).
            Poll.until("a leader", Duration.ofSeconds(60), () -> m1.isLeader() || m2.isLeader());
            Keel leader = m1.isLeader() ? m1 : m2;
            leader.put("k", "v");
            Keel follower = leader == m1 ? m2 : m1;
            Poll.until("the follower has the write", Duration.ofSeconds(60),
                    () -> follower.get("k", true).equals(Optional.of("v")));
            MemberInfo second = m1.membership().list().stream().filter(m -> m.id() == 2).findFirst().orElseThrow();
            assertEquals(List.of(url(dead), url(m2Second)), second.peerUrls(), "the directory keeps every URL");
            assertTrue(m1.clusterId() == m2.clusterId());
            assertEquals(io.keel.server.membership.EtcdIds.cluster(List.of(1L, 2L)), m1.clusterId(),
                    "a cluster given its members' URLs gets etcd's id for them");
        }
    }

    private static String url(InetSocketAddress a) {
        return "http://127.0.0.1:" + a.getPort();
    }
}
