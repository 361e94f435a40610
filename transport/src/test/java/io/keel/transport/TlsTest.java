package io.keel.transport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mutual TLS with the cluster CA: members with certificates it signed talk; a client or a server whose certificate
 * it did not sign, or a plaintext client, is refused before its handshake frame is even read.
 */
class TlsTest {
    private static TestPki.Issued clusterCa;
    private static TestPki.Issued otherCa;

    @TempDir
    Path dir;
    private LogCapture log;

    @BeforeAll
    static void authorities() throws Exception {
        clusterCa = TestPki.authority("cluster-ca");
        otherCa = TestPki.authority("other-ca");
    }

    @BeforeEach
    void capture() {
        log = new LogCapture();
    }

    @AfterEach
    void release() {
        log.close();
    }

    @Test
    void membersWithCertificatesOfTheClusterCaTalk() throws Exception {
        TlsConfig one = TestPki.files(dir, TestPki.member("member-1", clusterCa), clusterCa);
        TlsConfig two = TestPki.files(dir, TestPki.member("member-2", clusterCa), clusterCa);
        Recorder r1 = new Recorder();
        Recorder r2 = new Recorder();
        try (Transport t1 = Transport.start(Members.fastConfig(Members.CLUSTER, 1).tls(one).build(), r1);
             Transport t2 = Transport.start(Members.fastConfig(Members.CLUSTER, 2).tls(two).peer(1, t1.localAddress()).build(), r2)) {
            t1.addPeer(2, t2.localAddress());
            Members.awaitConnected(t1, List.of(2L));
            Members.awaitConnected(t2, List.of(1L));
            for (int i = 1; i <= 500; i++) {
                assertTrue(t1.send(Msgs.append(1, 2, i, 100)));
                assertTrue(t2.send(Msgs.heartbeat(2, 1, i)));
            }
            Await.until(() -> r1.total.sum() == 500 && r2.total.sum() == 500, () -> "all delivered over TLS");
            assertEquals(0, r1.gaps.sum() + r1.outOfOrder.sum() + r2.gaps.sum() + r2.outOfOrder.sum());
            assertEquals(0, t1.stats().handshakeRefusals() + t2.stats().handshakeRefusals());
        }
    }

    @Test
    void aClientWithACertificateOfAnotherCaIsRefused() throws Exception {
        assertClientRefused(TestPki.files(dir, TestPki.member("rogue", otherCa), clusterCa));
    }

    @Test
    void aClientWithASelfSignedCertificateIsRefused() throws Exception {
        assertClientRefused(TestPki.files(dir, TestPki.selfSigned("self-signed"), clusterCa));
    }

    @Test
    void aPlaintextClientIsRefusedByATlsServer() throws Exception {
        assertClientRefused(null);
    }

    @Test
    void aServerWithACertificateOfAnotherCaIsRefusedByTheClient() throws Exception {
        TlsConfig rogueServer = TestPki.files(dir, TestPki.member("rogue-server", otherCa), otherCa);
        TlsConfig client = TestPki.files(dir, TestPki.member("member-2", clusterCa), clusterCa);
        Recorder inbox = new Recorder();
        try (Transport server = Transport.start(Members.fastConfig(Members.CLUSTER, 1).tls(rogueServer).peer(2, new java.net.InetSocketAddress("127.0.0.1", 9)).build(), inbox);
             Transport t2 = Transport.start(Members.fastConfig(Members.CLUSTER, 2).tls(client).peer(1, server.localAddress()).build(), new Recorder())) {
            for (int i = 1; i <= 10; i++) t2.send(Msgs.heartbeat(2, 1, i));
            Await.until(() -> t2.stats().refusedByPeers() >= 1, () -> "member 2 refuses the rogue server: " + t2.stats());
            log.awaitLine("TLS with member 1", "failed");
            assertFalse(t2.stats().peers().get(1L).connected());
            assertEquals(0, inbox.total.sum(), "nothing delivered");
        }
    }

    /** A TLS member 1 and a good member 2; a third party with {@code tls} dialling member 1 gets nowhere. */
    private void assertClientRefused(TlsConfig tls) throws Exception {
        TlsConfig serverTls = TestPki.files(dir, TestPki.member("member-1", clusterCa), clusterCa);
        TlsConfig goodTls = TestPki.files(dir, TestPki.member("member-2", clusterCa), clusterCa);
        Recorder inbox = new Recorder();
        try (Transport server = Transport.start(Members.fastConfig(Members.CLUSTER, 1).tls(serverTls).build(), inbox);
             Transport good = Transport.start(Members.fastConfig(Members.CLUSTER, 2).tls(goodTls).peer(1, server.localAddress()).build(), new Recorder())) {
            // Member 3 is a known peer: only its certificate (or lack of TLS) can keep it out.
            server.addPeer(2, good.localAddress());
            server.addPeer(3, new java.net.InetSocketAddress("127.0.0.1", 9));
            Members.awaitConnected(good, List.of(1L));
            try (Transport intruder = Transport.start(Members.fastConfig(Members.CLUSTER, 3).tls(tls).peer(1, server.localAddress()).build(), new Recorder())) {
                for (int i = 1; i <= 10; i++) intruder.send(Msgs.heartbeat(3, 1, i));
                Await.until(() -> server.stats().handshakeRefusals() >= 2, () -> "member 1 refuses, again and again: " + server.stats());
                assertEquals(0, intruder.stats().connects());
                assertFalse(intruder.stats().peers().get(1L).connected());
            }
            log.awaitLine("refused connection from", "to member 1 of cluster", "TLS_FAILED");
            assertTrue(good.send(Msgs.heartbeat(2, 1, 1)));
            Await.until(() -> inbox.from(2L) == 1, () -> "the good member still delivers");
            assertEquals(List.of(2L), inbox.senders(), "nothing delivered from the intruder");
            assertEquals(1, good.stats().connects());
        }
    }
}
