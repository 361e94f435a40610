package io.keel.storage.log;

import io.keel.storage.failure.StorageFailedException;
import io.keel.raft.proto.Entry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault 13: a write or fsync that fails is never retried. The store fails for good, tells its listener once, and
 * every later call refuses; nothing the failed write carried is acknowledged.
 */
class FailStopTest {
    private static final long MEMBER = 1;

    @TempDir
    Path dir;

    /** A disk whose Nth synced write fails like EIO from fdatasync, after or before RocksDB wrote the batch. */
    private static final class FailingDisk implements SyncedWrite {
        final int failingWrite;
        final boolean writtenBeforeFailing;
        /** Counted down when the failing write begins; it then waits for {@link #fail} before failing. */
        final CountDownLatch failing = new CountDownLatch(1);
        final CountDownLatch fail = new CountDownLatch(1);
        int writes;

        FailingDisk(int failingWrite, boolean writtenBeforeFailing) {
            this.failingWrite = failingWrite;
            this.writtenBeforeFailing = writtenBeforeFailing;
        }

        @Override
        public synchronized void write(RocksDB db, WriteOptions synced, WriteBatch batch) throws RocksDBException {
            writes++;
            if (writes == failingWrite) {
                if (writtenBeforeFailing) db.write(synced, batch);
                failing.countDown();
                try {
                    fail.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new RocksDBException("IO error: While fdatasync: injected EIO");
            }
            db.write(synced, batch);
        }
    }

    @Test
    void aFailedSyncStopsTheStoreForGood() {
        FailingDisk disk = new FailingDisk(3, true); // write 1 bootstraps, write 2 appends, write 3 fails
        disk.fail.countDown();
        List<StorageFailedException> reported = new CopyOnWriteArrayList<>();
        LogStorageConfig config = LogStorageConfig.defaults().withSyncedWrite(disk).withFailureListener(reported::add);
        try (RocksLogStorage s = RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, MEMBER, config, 1)) {
            s.persist(LogWrite.entries(LogFixtures.entries(2, 1, 1)));
            StorageFailedException failure = assertThrows(StorageFailedException.class,
                    () -> s.persist(LogWrite.entries(LogFixtures.entries(4, 1))));
            assertTrue(failure.getMessage().startsWith("storage failed: writing and syncing the log: IO error: While"
                    + " fdatasync: injected EIO; the member must stop"), failure.getMessage());
            assertInstanceOf(RocksDBException.class, failure.getCause());
            assertEquals(List.of(failure), reported, "the listener is told once, with the failure");
            assertTrue(s.failed());

            for (Executable call : List.<Executable>of(
                    () -> s.persist(LogWrite.entries(LogFixtures.entries(4, 1))),
                    () -> s.compact(2, LogFixtures.voters(1)),
                    () -> s.term(2), () -> s.entries(1, 2, Long.MAX_VALUE), s::firstIndex, s::lastIndex,
                    s::initialState, s::snapshotMetadata, s::hardState, s::checkHealthy)) {
                StorageFailedException later = assertThrows(StorageFailedException.class, call);
                assertTrue(later.getMessage().contains("injected EIO") && later.getMessage().contains("must stop"));
                assertSame(failure, later.getCause());
            }
            assertEquals(1, reported.size());
            assertEquals(3, disk.writes, "the failed write was not retried");
        }
        // A restart recovers from what the disk really holds; the failed write was never acknowledged, whether or
        // not its bytes made it.
        try (RocksLogStorage s = RocksLogStorage.open(dir, LogFixtures.CLUSTER, MEMBER)) {
            assertTrue(s.lastIndex() == 3 || s.lastIndex() == 4, "log ends at " + s.lastIndex());
            assertEquals(LogFixtures.entries(2, 1, 1), s.entries(2, 4, Long.MAX_VALUE));
        }
    }

    @Test
    void aFailedSyncFailsItsWritesAndEveryWriteQueuedAfterIt() throws InterruptedException {
        FailingDisk disk = new FailingDisk(3, false);
        List<StorageFailedException> reported = new CopyOnWriteArrayList<>();
        LogStorageConfig config = LogStorageConfig.defaults().withSyncedWrite(disk).withFailureListener(reported::add);
        try (RocksLogStorage s = RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, MEMBER, config, 1);
             GroupCommitLog log = new GroupCommitLog(s)) {
            CompletableFuture<Void> before = log.persist(LogWrite.entries(LogFixtures.entries(2, 1)));
            before.join();
            CompletableFuture<Void> failing = log.persist(LogWrite.entries(LogFixtures.entries(3, 1)));
            disk.failing.await(); // its sync is under way; what comes now queues behind it
            List<CompletableFuture<Void>> queued = new ArrayList<>();
            for (long i = 4; i < 40; i++) queued.add(log.persist(LogWrite.entries(List.of(LogFixtures.entry(i, 1)))));
            disk.fail.countDown();

            StorageFailedException failure = assertInstanceOf(StorageFailedException.class,
                    assertThrows(CompletionException.class, failing::join).getCause());
            assertEquals(List.of(failure), reported);
            for (CompletableFuture<Void> f : queued) {
                assertInstanceOf(StorageFailedException.class, assertThrows(CompletionException.class, f::join).getCause());
            }
            assertThrows(StorageFailedException.class, () -> log.persist(LogWrite.entries(List.of())));
            assertEquals(3, disk.writes, "nothing was written after the failure, and nothing retried");
            assertEquals(1, reported.size());
        }
    }

    /** kill -9 cannot tell a synced write from one in the page cache; this checks every write asks for the sync. */
    @Test
    void everyWriteIsSynced() {
        List<Boolean> syncs = new CopyOnWriteArrayList<>();
        SyncedWrite checking = (db, options, batch) -> {
            syncs.add(options.sync() && !options.disableWAL());
            db.write(options, batch);
        };
        LogStorageConfig config = LogStorageConfig.defaults().withSyncedWrite(checking);
        try (RocksLogStorage s = RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, MEMBER, config, 1);
             GroupCommitLog log = new GroupCommitLog(s)) {
            s.persist(LogWrite.entries(LogFixtures.entries(2, 1)));
            log.persist(LogWrite.entries(LogFixtures.entries(3, 1))).join();
            s.compact(2, LogFixtures.voters(1));
        }
        RocksLogStorage.create(dir.resolve("joiner"), LogFixtures.CLUSTER, 2, config).close();
        assertEquals(List.of(true, true, true, true, true), syncs);
    }

    @Test
    void aClosedStoreRefusesCallsWithoutFailing() {
        RocksLogStorage s = RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, MEMBER, 1);
        s.close();
        s.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.term(1));
        assertTrue(e.getMessage().contains("is closed"), e.getMessage());
        assertTrue(!s.failed());
        List<Entry> none = List.of();
        assertThrows(IllegalStateException.class, () -> s.persist(LogWrite.entries(none)));
    }
}
