package io.keel.storage.log;

import io.keel.raft.proto.Entry;
import io.keel.raft.proto.HardState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupCommitLogTest {
    private static final long MEMBER = 1;

    @TempDir
    Path dir;

    /**
     * 16 clients each append and wait for their write, as a leader's proposers would: while one sync runs the others
     * queue up, so a sync carries several writes; every write completes only after all earlier ones, and the log
     * holds all of them in order.
     */
    @Test
    @Timeout(60)
    void sixteenWritersShareSyncsAndCompleteInOrder() throws Exception {
        int threads = 16;
        int writesPerThread = 40;
        int total = threads * writesPerThread;
        try (RocksLogStorage storage = RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, MEMBER, 1);
             GroupCommitLog log = new GroupCommitLog(storage)) {
            Object order = new Object();
            long[] nextIndex = {2};
            // futures.get(i) is the write of entry i + 2
            List<CompletableFuture<Void>> futures = new ArrayList<>();
            AtomicReference<Throwable> outOfOrder = new AtomicReference<>();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread w = new Thread(() -> {
                    try {
                        start.await();
                        for (int k = 0; k < writesPerThread; k++) {
                            CompletableFuture<Void> mine;
                            int position;
                            // Indexes are handed out in submission order, as raft-core hands out Readys.
                            synchronized (order) {
                                long index = nextIndex[0]++;
                                mine = log.persist(new LogWrite(List.of(LogFixtures.entry(index, 1)),
                                        HardState.newBuilder().setTerm(1).setCommit(index - 1).build(), null));
                                futures.add(mine);
                                position = futures.size() - 1;
                            }
                            mine.whenComplete((ok, error) -> {
                                // In order: when write k is durable, every write before it is already durable.
                                for (int i = 0; i < position; i++) {
                                    CompletableFuture<Void> earlier;
                                    synchronized (order) {
                                        earlier = futures.get(i);
                                    }
                                    if (!earlier.isDone()) {
                                        outOfOrder.compareAndSet(null, new AssertionError(
                                                "write " + position + " completed before write " + i));
                                    }
                                }
                            });
                            mine.get();
                        }
                    } catch (Exception e) {
                        outOfOrder.compareAndSet(null, e);
                    }
                }, "writer-" + t);
                w.start();
                writers.add(w);
            }
            start.countDown();
            for (Thread w : writers) w.join();
            assertNull(outOfOrder.get(), () -> String.valueOf(outOfOrder.get()));
            assertEquals(total, futures.size());
            for (CompletableFuture<Void> f : futures) assertTrue(f.isDone() && !f.isCompletedExceptionally());

            assertEquals(1 + total, storage.lastIndex());
            List<Entry> stored = storage.entries(2, 2 + total, Long.MAX_VALUE);
            for (int i = 0; i < total; i++) assertEquals(LogFixtures.entry(2 + i, 1), stored.get(i));
            assertEquals(total, storage.hardState().getCommit(), "the newest hard state is the last one written");

            SyncBatchStats.Snapshot stats = log.stats();
            System.out.println("16 writers: " + stats);
            assertEquals(total, stats.writes());
            assertEquals(total, stats.entries());
            assertTrue(stats.syncs() < total, "fewer syncs than writes: " + stats);
            assertTrue(stats.meanWritesPerSync() > 1.0, "more than one write per sync on average: " + stats);
            long histogramTotal = 0;
            for (long c : stats.writesPerSync()) histogramTotal += c;
            assertEquals(stats.syncs(), histogramTotal, "every sync is in the histogram");
        }
    }

    /** A write the log must refuse fails alone; the writes around it in the same batch succeed. */
    @Test
    void aRefusedWriteFailsAloneAndTheOthersGoOn() throws Exception {
        try (RocksLogStorage storage = RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, MEMBER, 1)) {
            // Three writes in one group, the middle one leaving a gap.
            RocksLogStorage.GroupResult result = storage.writeGroup(List.of(
                    LogWrite.entries(LogFixtures.entries(2, 1, 1)),
                    LogWrite.entries(LogFixtures.entries(9, 1)),
                    LogWrite.entries(LogFixtures.entries(4, 2))));
            assertNull(result.refused()[0]);
            assertInstanceOf(IllegalStateException.class, result.refused()[1]);
            assertEquals("gap: appending 9 after 3", result.refused()[1].getMessage());
            assertNull(result.refused()[2]);
            assertEquals(4, storage.lastIndex());

            try (GroupCommitLog log = new GroupCommitLog(storage)) {
                CompletableFuture<Void> gap = log.persist(LogWrite.entries(LogFixtures.entries(7, 2)));
                CompletableFuture<Void> next = log.persist(LogWrite.entries(LogFixtures.entries(5, 2)));
                ExecutionException e = assertThrows(ExecutionException.class, gap::get);
                assertInstanceOf(IllegalStateException.class, e.getCause());
                next.get();
                assertEquals(5, storage.lastIndex());
            }
        }
    }

    /** Closing writes whatever is queued before the sync thread stops; later writes are refused. */
    @Test
    void closeDrainsTheQueue() throws Exception {
        try (RocksLogStorage storage = RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, MEMBER, 1)) {
            GroupCommitLog log = new GroupCommitLog(storage);
            List<CompletableFuture<Void>> futures = new ArrayList<>();
            for (long i = 2; i < 50; i++) futures.add(log.persist(LogWrite.entries(List.of(LogFixtures.entry(i, 1)))));
            log.close();
            for (CompletableFuture<Void> f : futures) assertTrue(f.isDone() && !f.isCompletedExceptionally());
            assertEquals(49, storage.lastIndex());
            assertThrows(IllegalStateException.class, () -> log.persist(LogWrite.entries(List.of())));
        }
    }
}
