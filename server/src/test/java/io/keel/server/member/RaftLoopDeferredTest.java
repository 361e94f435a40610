package io.keel.server.member;

import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.log.MemoryStorage;
import io.keel.server.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RaftLoop#executeDeferred}'s two promises, which the member runtime's hand-backs rely on to skip a wake-up
 * safely: a deferred task runs before the task that next wakes the thread, and one queued while the thread is busy
 * runs before the thread parks. The loop ticks once an hour here, so no tick rescues a broken promise: the polls
 * below would time out.
 */
class RaftLoopDeferredTest {
    private LoopRuntime member;
    private RaftLoop loop;

    @BeforeEach
    void start() {
        MemoryStorage disk = MemoryStorage.bootstrap(1);
        RaftNode node = new RaftNode(RaftConfig.defaults(1), disk, System.nanoTime());
        // Never ticks, so never campaigns: the runtime has nothing of its own to do.
        member = new LoopRuntime(node, Duration.ofHours(1).toNanos(), LoopRuntime.memoryLog(disk),
                new MonotonicClock(ClockJumps.system(), 1));
        loop = member.loop;
    }

    @AfterEach
    void stop() {
        member.close();
    }

    @Test
    void aDeferredTaskRunsBeforeTheTaskThatWakesTheThread() throws InterruptedException {
        List<String> ran = new CopyOnWriteArrayList<>();
        awaitIdle();
        loop.executeDeferred(() -> ran.add("deferred"));
        loop.execute(() -> ran.add("woke"));
        Poll.until("the waking task ran", () -> ran.contains("woke"));
        assertEquals(List.of("deferred", "woke"), ran);
    }

    @Test
    void aDeferredTaskQueuedWhileTheThreadIsBusyRunsBeforeItParks() throws InterruptedException {
        CountDownLatch deferredRan = new CountDownLatch(1);
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch queued = new CountDownLatch(1);
        loop.execute(() -> {
            busy.countDown();
            await(queued); // the raft thread is busy while another thread defers a task
        });
        assertTrue(busy.await(30, TimeUnit.SECONDS));
        loop.executeDeferred(deferredRan::countDown);
        queued.countDown();
        // Nothing else is ever queued and no tick comes within the hour: only the check before parking runs it.
        assertTrue(deferredRan.await(30, TimeUnit.SECONDS), "the deferred task ran before the raft thread parked");
    }

    @Test
    void aTaskDeferredByTheRaftThreadItselfRunsBeforeItParks() throws InterruptedException {
        CountDownLatch deferredRan = new CountDownLatch(1);
        loop.execute(() -> loop.executeDeferred(deferredRan::countDown));
        assertTrue(deferredRan.await(30, TimeUnit.SECONDS), "the deferred task ran before the raft thread parked");
    }

    /** Waits until the raft thread has run everything queued so far (it then parks: nothing else is queued). */
    private void awaitIdle() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(done::countDown);
        assertTrue(done.await(30, TimeUnit.SECONDS));
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(30, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
