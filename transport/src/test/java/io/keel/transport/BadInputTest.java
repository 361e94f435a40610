package io.keel.transport;

import io.keel.raft.proto.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each kind of bad input closes its own connection and is logged; nothing of it is delivered; member 2's connection
 * to member 1 goes on throughout. The raw peer authenticates as member 9 (a known peer) so the bytes reach the
 * post-handshake decoder, the most exposed part.
 */
class BadInputTest {
    private static final int MAX_FRAME = 64 << 10;
    private LogCapture log;
    private Members members;
    private Transport server;
    private long goodSeq;

    @BeforeEach
    void start() throws IOException {
        log = new LogCapture();
        members = Members.start(List.of(1L, 2L), b -> b.maxFrameBytes(MAX_FRAME).handshakeTimeout(Duration.ofMillis(500)), true);
        server = members.get(1L);
        server.addPeer(9L, new java.net.InetSocketAddress("127.0.0.1", 9));
        members.awaitConnected();
    }

    @AfterEach
    void stop() {
        members.close();
        log.close();
    }

    @Test
    void aLengthPrefixAboveTheMaximumClosesTheConnectionWithoutWaitingForTheFrame() throws IOException {
        // The peer never sends the announced 2 GB: the connection must be closed on the prefix alone.
        assertClosed(new byte[] {0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 3}, false,
                "frame of 2147483647 bytes announced, limit is " + MAX_FRAME);
    }

    @Test
    void aFrameAboveTheHandshakeLimitIsRefusedBeforeTheHandshake() throws IOException {
        try (RawPeer raw = RawPeer.connect(server.localAddress())) {
            raw.write(RawPeer.frame(FrameType.HELLO, new byte[FrameDecoder.HANDSHAKE_LIMIT + 1]));
            assertTrue(raw.awaitClosedByPeer(Duration.ofSeconds(10)));
        }
        log.awaitLine("bad input", "limit is " + FrameDecoder.HANDSHAKE_LIMIT);
        goodPeerStillDelivers();
    }

    @Test
    void anUnknownFrameTypeClosesTheConnection() throws IOException {
        assertClosed(new byte[] {0, 0, 0, 3, 0x7F, 1, 2}, false, "unknown frame type 127");
    }

    @Test
    void anEmptyFrameClosesTheConnection() throws IOException {
        assertClosed(new byte[] {0, 0, 0, 0}, false, "frame length 0");
    }

    @Test
    void garbageWhereAMessageShouldBeClosesTheConnection() throws IOException {
        assertClosed(RawPeer.frame(FrameType.MESSAGE, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F}), false,
                "not a raft message");
    }

    @Test
    void anUnknownMessageTypeIsNeverDelivered() throws IOException {
        Message unknown = Msgs.heartbeat(9, 1, 1).toBuilder().setTypeValue(99).build();
        assertClosed(RawPeer.message(unknown), false, "unknown raft message type 99");
        Message none = Msgs.heartbeat(9, 1, 1).toBuilder().setTypeValue(0).build();
        assertClosed(RawPeer.message(none), false, "unknown raft message type 0");
    }

    @Test
    void aMessageInAnotherMembersNameIsNeverDelivered() throws IOException {
        assertClosed(RawPeer.message(Msgs.heartbeat(2, 1, 1)), false, "message from member 2 to member 1 on the connection of member 9");
    }

    @Test
    void aTruncatedFrameIsLoggedAndDiscarded() throws IOException {
        byte[] whole = RawPeer.message(Msgs.append(9, 1, 1, 1000));
        assertClosed(java.util.Arrays.copyOf(whole, whole.length / 2), true, "connection ended inside a frame");
    }

    @Test
    void aSnapshotFrameOnAMessageConnectionClosesIt() throws IOException {
        assertClosed(RawPeer.frame(FrameType.SNAPSHOT_CHUNK, new byte[10]), false, "unexpected SNAPSHOT_CHUNK on a message connection");
    }

    @Test
    void aPeerThatSaysNothingIsDisconnectedAfterTheHandshakeTimeout() throws IOException {
        try (RawPeer raw = RawPeer.connect(server.localAddress())) {
            assertTrue(raw.awaitClosedByPeer(Duration.ofSeconds(10)));
        }
        log.awaitLine("NO_VALID_HELLO", "no HELLO within 500 ms");
        goodPeerStillDelivers();
    }

    /**
     * Messages are handed over per read burst, but a bad frame still stops delivery exactly where it is: the good
     * messages ahead of it in the same segment are delivered (as they were when each was handed over alone), the one
     * behind it is not, and the connection is closed and counted.
     */
    @Test
    void goodMessagesAheadOfABadFrameInOneReadAreDeliveredAndNothingAfterIt() throws IOException {
        long before = server.stats().badInputDisconnects();
        try (RawPeer raw = RawPeer.connect(server.localAddress())) {
            raw.write(RawPeer.hello(Hello.of(StreamKind.MESSAGES, Members.CLUSTER, 9, 1)));
            assertTrue(raw.readReply().isAccepted());
            java.io.ByteArrayOutputStream segment = new java.io.ByteArrayOutputStream();
            for (int i = 1; i <= 3; i++) segment.writeBytes(RawPeer.message(Msgs.heartbeat(9, 1, i)));
            segment.writeBytes(RawPeer.frame(FrameType.MESSAGE, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F}));
            segment.writeBytes(RawPeer.message(Msgs.heartbeat(9, 1, 4)));
            raw.write(segment.toByteArray());
            assertTrue(raw.awaitClosedByPeer(Duration.ofSeconds(10)), "member 1 closed the connection");
        }
        Await.until(() -> server.stats().badInputDisconnects() > before, () -> "counted as bad input");
        log.awaitLine("closing connection with member 9", "bad input", "not a raft message");
        Recorder r = members.recorder(1L);
        Await.until(() -> r.from(9L) == 3, () -> "the three good messages delivered; got " + r.from(9L));
        assertEquals(3, r.lastIndexFrom(9L), "in order, and the message behind the bad frame was not delivered");
        assertEquals(0, r.disorderFrom(9L));
        goodPeerStillDelivers();
    }

    /** Handshakes as member 9, sends the bytes, and expects member 1 to close the connection and log why. */
    private void assertClosed(byte[] bad, boolean thenHangUp, String logged) throws IOException {
        long before = server.stats().badInputDisconnects();
        try (RawPeer raw = RawPeer.connect(server.localAddress())) {
            raw.write(RawPeer.hello(Hello.of(StreamKind.MESSAGES, Members.CLUSTER, 9, 1)));
            assertTrue(raw.readReply().isAccepted());
            if (thenHangUp) {
                raw.write(bad);
                raw.shutdownOutput();
            } else {
                // A valid message right behind the bad bytes, in the same segment: it must not be delivered either.
                byte[] valid = RawPeer.message(Msgs.heartbeat(9, 1, 1));
                byte[] both = java.util.Arrays.copyOf(bad, bad.length + valid.length);
                System.arraycopy(valid, 0, both, bad.length, valid.length);
                raw.write(both);
            }
            assertTrue(raw.awaitClosedByPeer(Duration.ofSeconds(10)), "member 1 closed the connection");
        }
        Await.until(() -> server.stats().badInputDisconnects() > before, () -> "counted as bad input");
        log.awaitLine("closing connection with member 9", "bad input", logged);
        assertEquals(0, members.recorder(1L).from(9L), "nothing from member 9 was delivered");
        goodPeerStillDelivers();
    }

    private void goodPeerStillDelivers() {
        long seq = ++goodSeq;
        members.get(2L).send(Msgs.heartbeat(2, 1, seq));
        Await.until(() -> members.recorder(1L).lastIndexFrom(2L) == seq, () -> "member 2's message " + seq + " delivered");
        assertEquals(1, members.get(2L).stats().connects(), "member 2's connection never broke");
    }
}
