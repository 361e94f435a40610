package io.keel.transport;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReconnectTest {

    /**
     * Member 2 stops and a new process starts on the same port: member 1 finds it again by itself (back-off with
     * jitter, no operator step) and messages flow both ways. The new process uses NIO, so both I/O transports are
     * exercised together.
     */
    @Test
    void aRestartedPeerIsReachedAgainWithoutOperatorStep() throws IOException {
        try (Members m = Members.start(List.of(1L, 2L), b -> b, true)) {
            m.awaitConnected();
            Transport one = m.get(1L);
            InetSocketAddress twoAddress = m.get(2L).localAddress();
            long[] seq = {0};
            deliver(one, 2L, m.recorder(2L), seq);

            m.get(2L).close();
            Await.until(() -> !one.stats().peers().get(2L).connected(), () -> "member 1 notices member 2 is gone");

            Recorder restarted = new Recorder();
            TransportConfig config = Members.fastConfig(Members.CLUSTER, 2L).listen(twoAddress)
                    .preferNativeTransport(false).peer(1L, one.localAddress()).build();
            try (Transport two = Transport.start(config, restarted)) {
                assertEquals("nio", two.ioTransport());
                deliver(one, 2L, restarted, seq);
                // And the other direction, on the restarted member's own new connection.
                deliver(two, 1L, m.recorder(1L), new long[] {0});

                TransportStats s = one.stats();
                assertTrue(s.reconnects() >= 1, "member 1 counted the reconnection: " + s);
                assertEquals(0, restarted.outOfOrder.sum());
                assertEquals(0, m.recorder(1L).outOfOrder.sum());
            }
        }
    }

    /**
     * Sends numbered messages until the receiver has one: the path works now. Messages sent while the connection
     * was down are dropped, which is what Raft expects of a transport.
     */
    private static void deliver(Transport from, long to, Recorder receiver, long[] seq) {
        long before = receiver.total.sum();
        Await.until(() -> {
            from.send(Msgs.heartbeat(from.localId(), to, ++seq[0]));
            return receiver.total.sum() > before;
        }, () -> "a message from member " + from.localId() + " reaches member " + to);
    }
}
