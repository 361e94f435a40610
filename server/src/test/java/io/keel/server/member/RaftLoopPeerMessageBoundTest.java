package io.keel.server.member;

import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.log.MemoryStorage;
import io.keel.server.Poll;
import io.keel.server.RaftThreadHold;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The raft thread's one bound on queued peer messages ({@link RaftLoop#offerPeerMessages}): counted in messages,
 * whether they arrive one per task or as a read burst in one task, and given back once the task ran. The raft
 * thread is held busy while the queue fills, so nothing is taken off it meanwhile.
 */
class RaftLoopPeerMessageBoundTest {
    private static final int MAX = RaftLoop.MAX_QUEUED_PEER_MESSAGES;

    private LoopRuntime member;
    private RaftLoop loop;
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void start() throws InterruptedException {
        MemoryStorage disk = MemoryStorage.bootstrap(1);
        RaftNode node = new RaftNode(RaftConfig.defaults(1), disk, System.nanoTime());
        // Never ticks: no Ready of its own.
        member = new LoopRuntime(node, Duration.ofHours(1).toNanos(), LoopRuntime.memoryLog(disk),
                new MonotonicClock(ClockJumps.system(), 1));
        loop = member.loop;
        RaftThreadHold.until(loop, release); // the raft thread is busy: what is offered stays queued
    }

    @AfterEach
    void stop() {
        release.countDown();
        member.close();
    }

    @Test
    void burstsAndSingleMessagesShareOneBoundInMessages() {
        AtomicInteger stepped = new AtomicInteger();
        assertTrue(loop.offerPeerMessages(MAX - 1, () -> stepped.addAndGet(MAX - 1)), "a burst within the bound");
        assertFalse(loop.offerPeerMessages(2, () -> stepped.addAndGet(2)), "a burst that would pass the bound");
        assertTrue(loop.offerPeerMessages(1, stepped::incrementAndGet), "one message up to the bound");
        assertFalse(loop.offerPeerMessages(1, stepped::incrementAndGet), "one message past the bound");
        assertEquals(MAX, loop.queuedPeerMessages());

        release.countDown();
        Poll.until("the queued messages are stepped", () -> stepped.get() == MAX && loop.queuedPeerMessages() == 0);
        assertTrue(loop.offerPeerMessages(MAX, () -> stepped.addAndGet(MAX)), "the bound is free again");
        Poll.until("the new burst is stepped", () -> stepped.get() == 2 * MAX);
        assertEquals(0, loop.queuedPeerMessages());
    }
}
