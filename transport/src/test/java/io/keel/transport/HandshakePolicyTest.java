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
        assertEquals(Refusal.WRONG_PROTOCOL_VERSION, policy.judge(new Hello(2, StreamKind.MESSAGES.code, 999, 7, 9)));
        assertEquals(Refusal.UNKNOWN_STREAM_KIND, policy.judge(new Hello(1, (byte) 9, 100, 2, 1)));
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
}
