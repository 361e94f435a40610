package io.keel.server.member;

import io.keel.raft.proto.ConfState;
import io.keel.server.Poll;
import io.keel.storage.log.RocksLogStorage;
import io.keel.storage.mvcc.MvccOptions;
import io.keel.storage.mvcc.MvccStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The log compaction's rounds against what must wait for them: a snapshot install replaces the store a running round
 * syncs, and closing the member closes the store and the log a running round writes. Rounds are held by the test
 * (an executor that queues them) and released when it chooses.
 */
class LogCompactionTest {
    /** A member id no other test uses, so its thread is told apart from other members' in this JVM. */
    private static final long ME = 0x10c0;
    private static final ConfState CONF = ConfState.newBuilder().addVoters(ME).build();

    @TempDir
    Path dir;
    private RocksLogStorage log;
    private MvccStore store;
    private final ArrayDeque<Runnable> held = new ArrayDeque<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() {
        log = RocksLogStorage.create(dir.resolve("raft-log"), 7, ME);
        store = MvccStore.open(dir.resolve("store"), MvccOptions.defaults().withSyncEveryApply(false));
    }

    @AfterEach
    void close() {
        store.close();
        log.close();
    }

    @Test
    void aSnapshotInstallWaitsForTheRunningRound() throws Exception {
        LogCompaction compaction = new LogCompaction(log, held::add, failures::add);
        compaction.compactThrough(store, 0, CONF);
        assertEquals(1, held.size(), "a round was asked for");
        assertWaitsForTheHeldRound("installing", compaction::awaitIdle);
        assertEquals(List.of(), failures);
    }

    @Test
    void closeWaitsForTheRunningRoundAndThenTakesNoMore() throws Exception {
        LogCompaction compaction = new LogCompaction(log, held::add, failures::add);
        compaction.compactThrough(store, 0, CONF);
        assertWaitsForTheHeldRound("closing", compaction::close); // else a round could still write the log
        compaction.compactThrough(store, 0, CONF);
        assertTrue(held.isEmpty(), "no round after close");
    }

    /** {@code waiter}, on a thread of its own, goes on only once the held round has run. */
    private void assertWaitsForTheHeldRound(String name, Runnable waiter) throws InterruptedException {
        Thread t = new Thread(waiter, name);
        t.start();
        awaitBlockedOrEnded(t);
        assertTrue(t.isAlive(), name + " returned while the round ran");
        held.poll().run();
        t.join(30_000);
        assertFalse(t.isAlive(), name + " goes on once the round ended");
    }

    @Test
    void aMembersCompactionStopsItsOwnThreadOnClose() {
        LogCompaction compaction = LogCompaction.onItsOwnThread(log, failures::add);
        compaction.compactThrough(store, 0, CONF);
        Poll.until("the compaction's thread started", () -> compactionThreadAlive());
        compaction.close();
        Poll.until("the compaction's thread ended", () -> !compactionThreadAlive());
        assertEquals(List.of(), failures);
    }

    private static boolean compactionThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("keel-log-compaction-10c0"));
    }

    /** Polls until {@code t} waits (parked in a join) or has ended; either way the caller's assertion decides. */
    private static void awaitBlockedOrEnded(Thread t) {
        Poll.until(t.getName() + " waits or ended", () -> t.getState() == Thread.State.WAITING
                || t.getState() == Thread.State.TERMINATED);
    }
}
