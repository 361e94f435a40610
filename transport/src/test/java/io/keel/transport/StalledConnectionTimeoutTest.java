package io.keel.transport;

import io.keel.raft.proto.MessageType;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A peer connection whose sent data goes unacknowledged is given up by the kernel after a bound (TCP_USER_TIMEOUT)
 * and replaced by a fresh one, instead of waiting out TCP's exponential retransmission back-off. The fault suite
 * found the back-off: a member cut off one way for 8 s heard its leader again 7.4 s after the heal, and once, after
 * two faults in a row, a minute later. The sockets are asked for the option the kernel holds, both ends, with the
 * outbound connection written by its event loop (an epoll socket) and by its senders (direct writes: a JDK socket,
 * given the option through {@link JdkSocketUserTimeout}).
 */
class StalledConnectionTimeoutTest {

    @ParameterizedTest(name = "direct writes {0}")
    @ValueSource(booleans = {false, true})
    void peerSocketsCarryTwoElectionTimeoutsAsTheirUnacknowledgedTimeout(boolean direct) throws Exception {
        assumeTrue(Epoll.isAvailable(), "TCP_USER_TIMEOUT is set on epoll sockets only (Linux)");
        ElectionTiming timing = new ElectionTiming(100, 1_500, 0.05);
        try (Members m = Members.start(List.of(1L, 2L), b -> b.timing(timing).directWrites(direct), true)) {
            m.awaitConnected();
            Await.until(() -> m.get(2L).socketUserTimeoutMillis(1L, false) != null,
                    () -> "member 2 registered member 1's inbound connection");
            assertEquals(3_000, m.get(1L).socketUserTimeoutMillis(2L, true), "outbound, 2 x the election timeout");
            assertEquals(3_000, m.get(2L).socketUserTimeoutMillis(1L, false), "inbound, 2 x the election timeout");
            assertWrittenBy(m, direct);
        }
    }

    @ParameterizedTest(name = "direct writes {0}")
    @ValueSource(booleans = {false, true})
    void anExplicitTimeoutWinsAndNoTimingMeansEtcdsFiveSeconds(boolean direct) throws Exception {
        assumeTrue(Epoll.isAvailable(), "TCP_USER_TIMEOUT is set on epoll sockets only (Linux)");
        try (Members m = Members.start(List.of(1L, 2L),
                b -> b.unacknowledgedTimeout(Duration.ofMillis(1_234)).directWrites(direct), true)) {
            m.awaitConnected();
            assertEquals(1_234, m.get(1L).socketUserTimeoutMillis(2L, true));
            assertWrittenBy(m, direct);
        }
        try (Members m = Members.start(List.of(1L, 2L), b -> b.directWrites(direct), true)) {
            m.awaitConnected();
            assertEquals(5_000, m.get(1L).socketUserTimeoutMillis(2L, true));
        }
    }

    /** The connection checked is the kind the test names: a message to it is written by the sender or not. */
    private static void assertWrittenBy(Members m, boolean direct) {
        long before = m.get(1L).directWrites(2L);
        assertTrue(m.get(1L).send(Msgs.heartbeat(1, 2, 1)));
        Recorder r = m.recorder(2L);
        Await.until(() -> r.messages.stream().anyMatch(x -> x.getType() == MessageType.MSG_HEARTBEAT
                && x.getIndex() == 1), () -> "member 2 received the heartbeat");
        assertEquals(direct ? before + 1 : 0, m.get(1L).directWrites(2L), "written by the sending thread");
    }

    @Test
    void aShortElectionTimeoutStillGetsOneSecond() {
        assertEquals(Duration.ofSeconds(1),
                TransportConfig.defaultUnacknowledgedTimeout(new ElectionTiming(10, 100, 0.05)));
    }
}
