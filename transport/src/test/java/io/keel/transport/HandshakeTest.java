package io.keel.transport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of identity mismatch is refused before anything is delivered, the reason is logged naming both sides,
 * the connection is closed, and the well-behaved peer's connection carries on untouched.
 *
 * <p>Set-up: member 1 (the server under test) and member 2 (well-behaved) of cluster {@link Members#CLUSTER};
 * member 1 knows peers 2 and 3.
 */
class HandshakeTest {
    private static final long OTHER_CLUSTER = 999;

    private LogCapture log;
    private Members members;
    private Transport server;
    private Recorder delivered;
    private long goodSeq;

    @BeforeEach
    void start() throws IOException {
        log = new LogCapture();
        members = Members.start(List.of(1L, 2L), b -> b, true);
        server = members.get(1L);
        delivered = members.recorder(1L);
        // Member 3 is a peer of member 1 (so the rules after cluster and target are what refuses the impostors).
        server.addPeer(3L, new InetSocketAddress("127.0.0.1", 9)); // nothing listens there; only the inbound side matters
        members.awaitConnected();
        goodPeerStillDelivers();
    }

    @AfterEach
    void stop() {
        members.close();
        log.close();
    }

    @Test
    void aMemberOfAnotherClusterIsRefused() throws IOException {
        // Fault 16: a member bootstrapped as a new cluster, pointed at a live cluster's member.
        assertRefusedTransport(Members.fastConfig(OTHER_CLUSTER, 3L).peer(1L, server.localAddress()),
                "WRONG_CLUSTER", "cluster 3e7 is not this cluster", "member 3 of cluster 3e7",
                "member 1 of cluster " + Long.toHexString(Members.CLUSTER));
    }

    @Test
    void aConnectionMeantForAnotherMemberIsRefused() throws IOException {
        // Fault 16: a wrong (or stale) address: member 3 believes member 4 listens where member 1 does.
        assertRefusedTransport(Members.fastConfig(Members.CLUSTER, 3L).peer(4L, server.localAddress()),
                "WRONG_TARGET", "it wants member 4 but reached member 1",
                "member 3 of cluster " + Long.toHexString(Members.CLUSTER));
    }

    @Test
    void aSenderThatIsNotAPeerIsRefused() throws IOException {
        // Fault 15: a wiped member that came back under a new id, never added by an operator.
        assertRefusedTransport(Members.fastConfig(Members.CLUSTER, 7L).peer(1L, server.localAddress()),
                "UNKNOWN_SENDER", "member 7 is not a peer of this member");
    }

    @Test
    void aSenderClaimingTheReceiversOwnIdIsRefused() throws IOException {
        assertRefusedRaw(Hello.of(StreamKind.MESSAGES, Members.CLUSTER, 1L, 1L), Refusal.SENDER_IS_RECEIVER,
                "it claims this member's own id");
    }

    @Test
    void anotherProtocolVersionIsRefused() throws IOException {
        assertRefusedRaw(new Hello(Hello.PROTOCOL_VERSION + 1, StreamKind.MESSAGES.code, Members.CLUSTER, 2L, 1L),
                Refusal.WRONG_PROTOCOL_VERSION, "it speaks protocol v" + (Hello.PROTOCOL_VERSION + 1) + ", this member v" + Hello.PROTOCOL_VERSION);
    }

    @Test
    void anUnknownStreamKindIsRefused() throws IOException {
        assertRefusedRaw(new Hello(Hello.PROTOCOL_VERSION, (byte) 77, Members.CLUSTER, 2L, 1L),
                Refusal.UNKNOWN_STREAM_KIND, "stream kind 77 unknown");
    }

    @Test
    void aMessageBeforeTheHelloIsRefused() throws IOException {
        try (RawPeer raw = RawPeer.connect(server.localAddress())) {
            raw.write(RawPeer.message(Msgs.heartbeat(2L, 1L, 1)));
            HelloReply reply = raw.readReply();
            assertEquals(Refusal.NO_VALID_HELLO, reply.refusal());
            assertTrue(raw.awaitClosedByPeer(Duration.ofSeconds(10)));
        }
        log.awaitLine("NO_VALID_HELLO", "first frame was MESSAGE");
        assertOnlyTheGoodPeerDelivered();
    }

    @Test
    void aResponderAnsweringAsAnotherMemberIsRefusedByTheInitiator() throws Exception {
        // Member 1 dials member 5's address, where something answers "accepted" as member 6.
        try (ServerSocket fake = new ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress())) {
            server.addPeer(5L, (InetSocketAddress) fake.getLocalSocketAddress());
            try (RawPeer accepted = RawPeer.over(fake.accept())) {
                Frame hello = accepted.readFrame(Duration.ofSeconds(10));
                hello.release();
                accepted.write(RawPeer.bytes(HelloReply.accepted(Members.CLUSTER, 6L, 1L)
                        .encode(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT)));
                assertTrue(accepted.awaitClosedByPeer(Duration.ofSeconds(10)), "the initiator hangs up");
            }
            log.awaitLine("RESPONDER_MISMATCH", "wanted member 5", "answered as member 6");
            assertTrue(server.stats().refusedByPeers() >= 1);
            assertFalse(server.stats().peers().get(5L).connected());
            server.removePeer(5L);
        }
        goodPeerStillDelivers();
    }

    /**
     * A second connection under a member's id replaces its first: a restarted member must not wait for its old,
     * possibly half-open, connection to time out. Here the newcomer is a raw socket; the real member 2 then
     * reconnects by itself, displacing it in turn, and its messages flow again.
     */
    @Test
    void aNewerConnectionUnderTheSameIdReplacesTheOlder() throws IOException {
        try (RawPeer duplicate = RawPeer.connect(server.localAddress())) {
            duplicate.write(RawPeer.hello(Hello.of(StreamKind.MESSAGES, Members.CLUSTER, 2L, 1L)));
            assertTrue(duplicate.readReply().isAccepted());
            log.awaitLine("member 2 opened a new connection", "closing its previous one");
            Await.until(() -> members.get(2L).stats().reconnects() >= 1, () -> "member 2 reconnects by itself");
            assertTrue(duplicate.awaitClosedByPeer(Duration.ofSeconds(10)), "and displaces the duplicate");
        }
        long seq = delivered.lastIndexFrom(2L) + 1000;
        Await.until(() -> {
            members.get(2L).send(Msgs.heartbeat(2L, 1L, seq));
            return delivered.lastIndexFrom(2L) == seq;
        }, () -> "member 2's messages flow again");
    }

    /** A real transport with a wrong identity: refused on every attempt, logged, nothing delivered. */
    private void assertRefusedTransport(TransportConfig.Builder config, String... logFragments) throws IOException {
        long refusalsBefore = server.stats().handshakeRefusals();
        Recorder impostorInbox = new Recorder();
        try (Transport impostor = Transport.start(config.build(), impostorInbox)) {
            long target = impostor.stats().peers().keySet().iterator().next();
            // It keeps trying (and keeps being refused) while it sends.
            for (int i = 1; i <= 100; i++) impostor.send(Msgs.heartbeat(impostor.localId(), target, i));
            Await.until(() -> impostor.stats().refusedByPeers() >= 2,
                    () -> "refused, then refused again after back-off: " + impostor.stats());
            assertFalse(impostor.stats().peers().get(target).connected());
            assertEquals(0, impostor.stats().connects());
        }
        assertTrue(server.stats().handshakeRefusals() >= refusalsBefore + 2);
        log.awaitLine(logFragments);
        assertOnlyTheGoodPeerDelivered();
    }

    /** A hand-made HELLO: the reply says refused and why, then the responder closes; a message after it goes nowhere. */
    private void assertRefusedRaw(Hello hello, Refusal expected, String reason) throws IOException {
        try (RawPeer raw = RawPeer.connect(server.localAddress())) {
            raw.write(RawPeer.hello(hello));
            raw.write(RawPeer.message(Msgs.heartbeat(2L, 1L, 1_000_000))); // pipelined: must not be delivered
            HelloReply reply = raw.readReply();
            assertFalse(reply.isAccepted());
            assertEquals(expected, reply.refusal());
            assertTrue(reply.reason().contains(reason), reply.reason());
            assertTrue(raw.awaitClosedByPeer(Duration.ofSeconds(10)), "responder closed the connection");
        }
        log.awaitLine(expected.toString(), reason, "member 1 of cluster " + Long.toHexString(Members.CLUSTER));
        assertOnlyTheGoodPeerDelivered();
    }

    private void assertOnlyTheGoodPeerDelivered() {
        goodPeerStillDelivers();
        assertEquals(List.of(2L), delivered.senders(), "only member 2 delivered anything");
        assertEquals(0, delivered.outOfOrder.sum());
        assertEquals(0, delivered.gaps.sum(), "member 2's stream lost nothing");
        TransportStats good = members.get(2L).stats();
        assertEquals(1, good.connects(), "member 2's connection was never disturbed: " + good);
    }

    private void goodPeerStillDelivers() {
        long seq = ++goodSeq;
        assertTrue(members.get(2L).send(Msgs.heartbeat(2L, 1L, seq)));
        Await.until(() -> delivered.lastIndexFrom(2L) == seq, () -> "member 2's message " + seq + " delivered");
    }
}
