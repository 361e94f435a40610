package io.keel.transport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10 B and D at the transport: a member running on a data directory the cluster does not know for it, or with
 * other election timing, is refused in both directions (its connections are refused, and nothing is sent to it),
 * with one line naming it and what to do; the refused member sees the reason too; and the well-behaved peer's
 * connection carries on untouched.
 *
 * <p>Set-up: members 1 and 2, incarnations 11 and 22, the same timing; everyone's directory knows member 3 as
 * incarnation 33.
 */
class IncarnationHandshakeTest {
    private static final ElectionTiming TIMING = new ElectionTiming(100, 1000, 0.05);
    private static final PeerAdmission DIRECTORY = (id, incarnation) -> id == 3 && incarnation != 33
            ? "member 3 declares incarnation " + Long.toHexString(incarnation) + ", the cluster knows it as 21: remove it"
            : null;

    private LogCapture log;
    private Members members;
    private Transport server;
    private Recorder delivered;
    private long goodSeq;

    @BeforeEach
    void start() throws IOException {
        log = new LogCapture();
        members = Members.start(List.of(1L, 2L),
                b -> b.timing(TIMING).admission(DIRECTORY).incarnation(b.build().localId() * 11), true);
        server = members.get(1L);
        delivered = members.recorder(1L);
        members.awaitConnected();
        goodPeerStillDelivers();
    }

    @AfterEach
    void stop() {
        members.close();
        log.close();
    }

    @Test
    void aMemberOnAnotherDataDirectoryIsRefusedAndToldWhy() throws IOException {
        Recorder inbox = new Recorder();
        // Member 3 is a peer of member 1 (nothing listens at its old address: only the inbound side matters here).
        server.addPeer(3L, new java.net.InetSocketAddress("127.0.0.1", 9));
        try (Transport wiped = Transport.start(member3(34, TIMING).peer(1L, server.localAddress()).build(), inbox)) {
            for (int i = 1; i <= 50; i++) wiped.send(Msgs.heartbeat(3L, 1L, i));
            Await.until(() -> wiped.stats().refusedByPeers() >= 2, () -> "refused again after back-off: " + wiped.stats());
            assertEquals(0, wiped.stats().connects());
            assertFalse(wiped.stats().peers().get(1L).connected());
        }
        // At the refusing member: one line naming the member and what to do; the refused member logs the same reason.
        log.awaitLine("refused connection", "WRONG_INCARNATION", "member 3 declares incarnation 22, the cluster knows it as 21: remove it",
                "incarnation 22");
        log.awaitLine("member 1 at", "refused us", "WRONG_INCARNATION", "member 3 declares incarnation 22");
        assertOnlyTheGoodPeerDelivered();
    }

    @Test
    void aMemberOnAnotherDataDirectoryIsSentNothing() throws IOException {
        Recorder inbox = new Recorder();
        // Member 3 knows nothing about itself (its directory is empty) and accepts member 1; member 1 must still not send.
        try (Transport wiped = Transport.start(member3(34, TIMING).peer(1L, server.localAddress()).build(), inbox)) {
            server.addPeer(3L, wiped.localAddress());
            for (int i = 1; i <= 50; i++) server.send(Msgs.heartbeat(1L, 3L, i));
            Await.until(() -> server.stats().refusedByPeers() >= 2, () -> "member 1 refuses member 3's replies: " + server.stats());
            log.awaitLine("refusing member 3 at", "WRONG_INCARNATION", "member 3 declares incarnation 22");
            assertFalse(server.stats().peers().get(3L).connected());
            assertTrue(inbox.senders().isEmpty(), "nothing reached the wiped member: " + inbox.senders());
            server.removePeer(3L);
        }
        assertOnlyTheGoodPeerDelivered();
    }

    @Test
    void theDataDirectoryTheClusterKnowsIsAccepted() throws IOException {
        Recorder inbox = new Recorder();
        try (Transport known = Transport.start(member3(33, TIMING).peer(1L, server.localAddress()).build(), inbox)) {
            server.addPeer(3L, known.localAddress());
            Members.awaitConnected(known, List.of(1L));
            Members.awaitConnected(server, List.of(2L, 3L));
            long seq = 7;
            Await.until(() -> {
                known.send(Msgs.heartbeat(3L, 1L, seq));
                return delivered.lastIndexFrom(3L) == seq;
            }, () -> "member 3's message delivered");
            server.removePeer(3L);
        }
    }

    @Test
    void aMemberWithAnotherElectionTimeoutIsRefusedBothWays() throws IOException {
        ElectionTiming longer = new ElectionTiming(100, 2000, 0.05);
        Recorder inbox = new Recorder();
        try (Transport other = Transport.start(member3(33, longer).peer(1L, server.localAddress()).build(), inbox)) {
            server.addPeer(3L, other.localAddress());
            for (int i = 1; i <= 50; i++) {
                other.send(Msgs.heartbeat(3L, 1L, i));
                server.send(Msgs.heartbeat(1L, 3L, i));
            }
            Await.until(() -> other.stats().refusedByPeers() >= 2 && server.stats().refusedByPeers() >= 2,
                    () -> "both directions refused: " + other.stats() + " / " + server.stats());
            String both = "member 3 runs with --election-timeout 2000 ms, --heartbeat-interval 100 ms, max clock drift 0.05,"
                    + " member 1 with --election-timeout 1000 ms";
            log.awaitLine("refused connection", "TIMING_MISMATCH", both, "every member must run with the same --election-timeout");
            // Member 3 refuses member 1's connections the same way, naming both values from its side.
            log.awaitLine("refused connection", "TIMING_MISMATCH", "member 1 runs with --election-timeout 1000 ms",
                    "member 3 with --election-timeout 2000 ms");
            log.awaitLine("member 1 at", "refused us", "TIMING_MISMATCH", both);
            log.awaitLine("member 3 at", "refused us", "TIMING_MISMATCH", "member 3 with --election-timeout 2000 ms");
            assertTrue(inbox.senders().isEmpty());
            server.removePeer(3L);
        }
        assertOnlyTheGoodPeerDelivered();
    }

    @Test
    void aVersionOneHelloIsRefusedForItsVersionAndCanReadWhy() throws IOException {
        try (RawPeer raw = RawPeer.connect(server.localAddress())) {
            // v1's layout: 27 bytes after the frame header, no incarnation or timing.
            io.netty.buffer.ByteBuf v1 = FrameCodec.start(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, FrameType.HELLO, 27);
            v1.writeInt(Hello.MAGIC).writeShort(1).writeByte(StreamKind.MESSAGES.code)
                    .writeLong(Members.CLUSTER).writeLong(2L).writeLong(1L);
            raw.write(RawPeer.bytes(v1));
            HelloReply reply = raw.readReply();
            assertEquals(Refusal.WRONG_PROTOCOL_VERSION, reply.refusal());
            assertTrue(reply.reason().contains("it speaks protocol v1, this member v" + Hello.PROTOCOL_VERSION), reply.reason());
            assertTrue(raw.awaitClosedByPeer(Duration.ofSeconds(10)));
        }
        assertOnlyTheGoodPeerDelivered();
    }

    private static TransportConfig.Builder member3(long incarnation, ElectionTiming timing) {
        return Members.fastConfig(Members.CLUSTER, 3L).incarnation(incarnation).timing(timing);
    }

    private void assertOnlyTheGoodPeerDelivered() {
        goodPeerStillDelivers();
        assertEquals(List.of(2L), delivered.senders(), "only member 2 delivered anything");
        assertEquals(0, delivered.gaps.sum(), "member 2's stream lost nothing");
        assertEquals(1, members.get(2L).stats().connects(), "member 2's connection was never disturbed");
    }

    private void goodPeerStillDelivers() {
        long seq = ++goodSeq;
        assertTrue(members.get(2L).send(Msgs.heartbeat(2L, 1L, seq)));
        Await.until(() -> delivered.lastIndexFrom(2L) == seq, () -> "member 2's message " + seq + " delivered");
    }
}
