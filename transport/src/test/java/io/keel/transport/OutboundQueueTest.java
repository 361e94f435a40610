package io.keel.transport;

import io.keel.raft.proto.Message;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutboundQueueTest {

    @Test
    void refusesWhatDoesNotFitAndFreesWhatIsTaken() {
        Message m = Msgs.heartbeat(1, 2, 1);
        int size = FrameCodec.messageFrameBytes(m);
        OutboundQueue q = new OutboundQueue(3L * size);
        assertTrue(q.offer(m));
        assertTrue(q.offer(m));
        assertTrue(q.offer(m));
        assertFalse(q.offer(m));
        assertEquals(3L * size, q.bytes());
        q.poll();
        assertTrue(q.offer(m));
        assertEquals(3, q.clear());
        assertEquals(0, q.bytes());
        assertTrue(q.isEmpty());
    }

    @Test
    void concurrentOffersNeverExceedTheBound() throws InterruptedException {
        Message m = Msgs.append(1, 2, 1, 100);
        long bound = 50L * FrameCodec.messageFrameBytes(m);
        OutboundQueue q = new OutboundQueue(bound);
        AtomicLong accepted = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    if (q.offer(m)) accepted.incrementAndGet();
                    assertTrue(q.bytes() <= bound);
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) th.join();
        assertEquals(50, accepted.get());
        assertEquals(bound, q.bytes());
    }
}
