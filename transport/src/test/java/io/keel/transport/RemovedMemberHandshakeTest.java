package io.keel.transport;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member the cluster removed is told so at the handshake (MEMBER_REMOVED, before UNKNOWN_SENDER, which it also
 * is), and its own side hands the news to its {@link PeerAdmission#removedBy}: etcd's 410 Gone, on which a removed
 * member stops. Without the refusal code the removed member only hears UNKNOWN_SENDER, which a member just added
 * also hears from a peer that has not applied its addition yet, and cannot tell it must stop.
 */
class RemovedMemberHandshakeTest {
    private static final PeerAdmission MEMBER_7_REMOVED = new PeerAdmission() {
        @Override
        public String refusal(long memberId, long incarnation) {
            return null;
        }

        @Override
        public boolean isRemoved(long memberId) {
            return memberId == 7;
        }
    };

    @Test
    void theRemovedSenderIsRefusedAsRemoved() {
        HandshakePolicy policy = new HandshakePolicy(100, 1, ElectionTiming.NONE, Set.of(2L)::contains,
                MEMBER_7_REMOVED);
        assertEquals(Refusal.MEMBER_REMOVED, policy.judge(Hello.of(StreamKind.MESSAGES, 100, 7, 1)));
        assertEquals(Refusal.UNKNOWN_SENDER, policy.judge(Hello.of(StreamKind.MESSAGES, 100, 8, 1)));
        assertNull(policy.judge(Hello.of(StreamKind.MESSAGES, 100, 2, 1)));
    }

    @Test
    void theRemovedMemberLearnsItFromThePeerThatRefusesIt() throws IOException, Exception {
        try (Members members = Members.start(List.of(1L), b -> b.admission(MEMBER_7_REMOVED), false)) {
            Transport peer = members.get(1L);
            CompletableFuture<String> told = new CompletableFuture<>();
            PeerAdmission removedSide = new PeerAdmission() {
                @Override
                public String refusal(long memberId, long incarnation) {
                    return null;
                }

                @Override
                public void removedBy(long peerId, String reason) {
                    told.complete(peerId + ": " + reason);
                }
            };
            try (Transport removed = Transport.start(Members.fastConfig(Members.CLUSTER, 7L).admission(removedSide)
                    .peer(1L, peer.localAddress()).build(), new Recorder())) {
                removed.send(Msgs.heartbeat(7L, 1L, 1));
                String why = told.get(30, TimeUnit.SECONDS);
                assertTrue(why.startsWith("1: "), why);
                assertTrue(why.contains("MEMBER_REMOVED") && why.contains("member 7 was removed from the cluster"),
                        why);
            }
        }
    }
}
