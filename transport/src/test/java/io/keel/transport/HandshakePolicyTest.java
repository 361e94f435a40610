package io.keel.transport;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class HandshakePolicyTest {
    private final HandshakePolicy policy = new HandshakePolicy(100, 1, Set.of(2L, 3L)::contains);

    @Test
    void acceptsAKnownPeerOfThisClusterThatWantsThisMember() {
        assertNull(policy.judge(Hello.of(StreamKind.MESSAGES, 100, 2, 1)));
        assertNull(policy.judge(Hello.of(StreamKind.SNAPSHOT, 100, 3, 1)));
    }

    @Test
    void refusesEachMismatchVersionFirst() {
        assertEquals(Refusal.WRONG_PROTOCOL_VERSION, policy.judge(new Hello(Hello.PROTOCOL_VERSION + 1, StreamKind.MESSAGES.code, 999, 7, 9)));
        assertEquals(Refusal.UNKNOWN_STREAM_KIND, policy.judge(new Hello(Hello.PROTOCOL_VERSION, (byte) 9, 100, 2, 1)));
        assertEquals(Refusal.WRONG_CLUSTER, policy.judge(Hello.of(StreamKind.MESSAGES, 999, 2, 1)));
        assertEquals(Refusal.WRONG_TARGET, policy.judge(Hello.of(StreamKind.MESSAGES, 100, 2, 4)));
        assertEquals(Refusal.SENDER_IS_RECEIVER, policy.judge(Hello.of(StreamKind.MESSAGES, 100, 1, 1)));
        assertEquals(Refusal.UNKNOWN_SENDER, policy.judge(Hello.of(StreamKind.MESSAGES, 100, 7, 1)));
    }

    @Test
    void theInitiatorChecksWhoAnswered() {
        Hello sent = Hello.of(StreamKind.MESSAGES, 100, 1, 2);
        assertNull(policy.judgeReply(sent, HelloReply.accepted(100, 2, 1)));
        assertEquals(Refusal.WRONG_CLUSTER, policy.judgeReply(sent, HelloReply.accepted(999, 2, 1)));
        assertEquals(Refusal.RESPONDER_MISMATCH, policy.judgeReply(sent, HelloReply.accepted(100, 3, 1)));
        assertEquals(Refusal.RESPONDER_MISMATCH, policy.judgeReply(sent, HelloReply.accepted(100, 2, 5)));
    }

    @Test
    void aDataDirectoryTheClusterDoesNotKnowForThatMemberIsRefusedBothWays() {
        // The member directory knows member 2 as incarnation 22; member 3 has none recorded yet.
        PeerAdmission directory = (id, incarnation) -> id == 2 && incarnation != 22 ? "member 2 lost its data" : null;
        HandshakePolicy withDirectory = new HandshakePolicy(100, 1, ElectionTiming.NONE, Set.of(2L, 3L)::contains, directory);
        assertNull(withDirectory.judge(hello(2, 22, ElectionTiming.NONE)));
        assertEquals(Refusal.WRONG_INCARNATION, withDirectory.judge(hello(2, 23, ElectionTiming.NONE)));
        assertEquals(Refusal.WRONG_INCARNATION, withDirectory.judge(hello(2, 0, ElectionTiming.NONE)));
        assertNull(withDirectory.judge(hello(3, 5, ElectionTiming.NONE)));
        assertEquals("member 2 lost its data", withDirectory.incarnationRefusal(2, 23));

        Hello sent = Hello.of(StreamKind.MESSAGES, 100, 1, 2);
        assertNull(withDirectory.judgeReply(sent, HelloReply.accepted(100, 2, 1, 22, ElectionTiming.NONE)));
        assertEquals(Refusal.WRONG_INCARNATION,
                withDirectory.judgeReply(sent, HelloReply.accepted(100, 2, 1, 23, ElectionTiming.NONE)));
    }

    @Test
    void otherElectionTimingIsRefusedBothWays() {
        ElectionTiming ours = new ElectionTiming(100, 1000, 0.05);
        HandshakePolicy timed = new HandshakePolicy(100, 1, ours, Set.of(2L)::contains, PeerAdmission.ANY);
        assertNull(timed.judge(hello(2, 7, new ElectionTiming(100, 1000, 0.05))));
        assertEquals(Refusal.TIMING_MISMATCH, timed.judge(hello(2, 7, new ElectionTiming(100, 2000, 0.05))));
        assertEquals(Refusal.TIMING_MISMATCH, timed.judge(hello(2, 7, new ElectionTiming(50, 1000, 0.05))));
        assertEquals(Refusal.TIMING_MISMATCH, timed.judge(hello(2, 7, new ElectionTiming(100, 1000, 0.1))));
        assertEquals(Refusal.TIMING_MISMATCH, timed.judge(hello(2, 7, ElectionTiming.NONE)));
        Hello sent = Hello.of(StreamKind.MESSAGES, 100, 1, 2);
        assertEquals(Refusal.TIMING_MISMATCH,
                timed.judgeReply(sent, HelloReply.accepted(100, 2, 1, 7, new ElectionTiming(100, 2000, 0.05))));
        assertEquals("member 2 runs with --election-timeout 2000 ms, --heartbeat-interval 100 ms, max clock drift 0.05,"
                        + " member 1 with --election-timeout 1000 ms, --heartbeat-interval 100 ms, max clock drift 0.05:"
                        + " every member must run with the same --election-timeout and --heartbeat-interval (fix the flag"
                        + " on the member that differs and restart it; to change them for the cluster, stop all members,"
                        + " change the flags on all, start them again)",
                timed.timingMismatch(2, new ElectionTiming(100, 2000, 0.05)));
    }

    @Test
    void theNewFieldsSurviveTheWire() throws Exception {
        Hello hello = hello(2, 0x8000_0000_0000_0001L, new ElectionTiming(100, 1000, 0.05));
        io.netty.buffer.ByteBuf buf = hello.encode(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT);
        try {
            buf.skipBytes(FrameCodec.HEADER_BYTES);
            assertEquals(hello, Hello.decode(buf));
        } finally {
            buf.release();
        }
        HelloReply reply = HelloReply.accepted(100, 2, 1, -5, new ElectionTiming(10, 50, 0.01));
        io.netty.buffer.ByteBuf r = reply.encode(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT);
        try {
            r.skipBytes(FrameCodec.HEADER_BYTES);
            assertEquals(reply, HelloReply.decode(r));
        } finally {
            r.release();
        }
    }

    private static Hello hello(long sender, long incarnation, ElectionTiming timing) {
        return new Hello(Hello.PROTOCOL_VERSION, StreamKind.MESSAGES.code, 100, sender, 1, incarnation, timing);
    }
}
