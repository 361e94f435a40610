package io.keel.transport;

import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A peer connection whose sent data goes unacknowledged is given up by the kernel after a bound (TCP_USER_TIMEOUT)
 * and replaced by a fresh one, instead of waiting out TCP's exponential retransmission back-off. The fault suite
 * found the back-off: a member cut off one way for 8 s heard its leader again 7.4 s after the heal, and once, after
 * two faults in a row, a minute later. The sockets are asked for the option the kernel holds, both ends.
 */
class StalledConnectionTimeoutTest {

    @Test
    void peerSocketsCarryTwoElectionTimeoutsAsTheirUnacknowledgedTimeout() throws Exception {
        assumeTrue(Epoll.isAvailable(), "TCP_USER_TIMEOUT is set on epoll sockets only (Linux)");
        ElectionTiming timing = new ElectionTiming(100, 1_500, 0.05);
        try (Members m = Members.start(List.of(1L, 2L), b -> b.timing(timing), false)) {
            m.awaitConnected();
            Await.until(() -> m.get(2L).socketUserTimeoutMillis(1L, false) != null,
                    () -> "member 2 registered member 1's inbound connection");
            assertEquals(3_000, m.get(1L).socketUserTimeoutMillis(2L, true), "outbound, 2 x the election timeout");
            assertEquals(3_000, m.get(2L).socketUserTimeoutMillis(1L, false), "inbound, 2 x the election timeout");
        }
    }

    @Test
    void anExplicitTimeoutWinsAndNoTimingMeansEtcdsFiveSeconds() throws Exception {
        assumeTrue(Epoll.isAvailable(), "TCP_USER_TIMEOUT is set on epoll sockets only (Linux)");
        try (Members m = Members.start(List.of(1L, 2L),
                b -> b.unacknowledgedTimeout(Duration.ofMillis(1_234)), false)) {
            m.awaitConnected();
            assertEquals(1_234, m.get(1L).socketUserTimeoutMillis(2L, true));
        }
        try (Members m = Members.start(List.of(1L, 2L), b -> b, false)) {
            m.awaitConnected();
            assertEquals(5_000, m.get(1L).socketUserTimeoutMillis(2L, true));
        }
    }

    @Test
    void aShortElectionTimeoutStillGetsOneSecond() {
        assertEquals(Duration.ofSeconds(1),
                TransportConfig.defaultUnacknowledgedTimeout(new ElectionTiming(10, 100, 0.05)));
    }
}
