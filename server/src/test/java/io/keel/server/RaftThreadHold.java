package io.keel.server;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Holds a member's raft thread, as a long process pause would, while its other threads run on. */
public final class RaftThreadHold {
    private RaftThreadHold() {
    }

    /** Returns once {@code keel}'s raft thread is held; it stays held until {@code release}, at most 60 s. */
    static void until(Keel keel, CountDownLatch release) throws InterruptedException {
        until(keel.member()::runOnRaftThreadForTest, release);
    }

    /** As {@link #until(Keel, CountDownLatch)}, for a raft thread reached through {@code raftThread}. */
    public static void until(Executor raftThread, CountDownLatch release) throws InterruptedException {
        CountDownLatch held = new CountDownLatch(1);
        raftThread.execute(() -> {
            held.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(held.await(30, TimeUnit.SECONDS), "the raft thread took the holding task");
    }
}
