package io.keel.transport;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MessageDeliveryTest {

    /**
     * Three members, each sending to both others from its own thread: 1,000,000 messages in all arrive, each
     * connection in order, none lost, none dropped. The byte bound is large enough that nothing needs dropping, so
     * any loss would be the transport's.
     */
    @Test
    void oneMillionMessagesArriveInOrderAndNoneIsLost() throws Exception {
        final int total = 1_000_000;
        try (Members m = Members.start(List.of(1L, 2L, 3L), b -> b.outboundQueueBytes(256L << 20), false)) {
            m.awaitConnected();
            List<Long> ids = List.of(1L, 2L, 3L);
            LongAdder refused = new LongAdder();
            List<Thread> senders = new ArrayList<>();
            long started = System.nanoTime();
            for (int i = 0; i < ids.size(); i++) {
                long self = ids.get(i);
                List<Long> others = ids.stream().filter(id -> id != self).toList();
                int share = total / 3 + (i < total % 3 ? 1 : 0);
                Thread t = new Thread(() -> {
                    long[] seq = new long[others.size()];
                    for (int k = 0; k < share; k++) {
                        int p = k % others.size();
                        if (!m.get(self).send(Msgs.heartbeat(self, others.get(p), ++seq[p]))) refused.increment();
                    }
                }, "sender-" + self);
                senders.add(t);
                t.start();
            }
            for (Thread t : senders) t.join();
            Await.until(Duration.ofSeconds(60), () -> received(m) == total,
                    () -> "all messages delivered; got " + received(m) + " of " + total);
            long elapsedMs = (System.nanoTime() - started) / 1_000_000;

            assertEquals(0, refused.sum(), "send() refused messages");
            for (long id : ids) {
                Recorder r = m.recorder(id);
                assertEquals(0, r.outOfOrder.sum(), "out of order at member " + id);
                assertEquals(0, r.gaps.sum(), "lost messages at member " + id);
                TransportStats s = m.get(id).stats();
                assertEquals(0, s.messagesDropped(), "drops at member " + id + ": " + s);
                assertEquals(0, s.badInputDisconnects());
                assertEquals(2, s.connects(), "each member connected once to each peer and stayed connected");
                assertEquals(0, s.reconnects());
            }
            long sent = ids.stream().mapToLong(id -> m.get(id).stats().messagesSent()).sum();
            assertEquals(total, sent);
            System.out.printf("1,000,000 messages over %s in %d ms%n", m.get(1L).ioTransport(), elapsedMs);
        }
    }

    private static long received(Members m) {
        return m.recorders.values().stream().mapToLong(r -> r.total.sum()).sum();
    }
}
