package io.keel.storage.mvcc;

import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.layout.DiskWrite;
import io.keel.storage.failure.StorageFailedException;
import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.FlushOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.AbstractWriteBatch;
import org.rocksdb.WriteOptions;

/**
 * A store opened with syncEveryApply=false (a Keel member's, whose Raft log is the durable record): applies are not
 * fsynced and skip the WAL, sync() (an atomic flush of every column family) is the durability point, and a failing
 * sync stops the store like a failing write.
 */
class UnsyncedApplyTest {

    /** Records what each write asked for, and can fail the WAL sync. */
    private static final class RecordingDisk implements DiskWrite {
        final List<Boolean> writesSynced = new ArrayList<>();
        final List<Boolean> writesLogged = new ArrayList<>();
        int syncs;
        int flushes;
        int familiesPerFlush;
        boolean syncFails;
        /** When set, a flush waits here after counting (a slow disk), once {@code flushEntered} is counted down. */
        volatile CountDownLatch flushGate;
        final CountDownLatch flushEntered = new CountDownLatch(1);

        @Override
        public void write(RocksDB db, WriteOptions options, AbstractWriteBatch batch) throws RocksDBException {
            writesSynced.add(options.sync());
            writesLogged.add(!options.disableWAL());
            DiskWrite.ROCKSDB.write(db, options, batch);
        }

        @Override
        public void syncWal(RocksDB db) throws RocksDBException {
            syncs++;
            if (syncFails) throw new RocksDBException("IO error: While fsync: Input/output error");
            DiskWrite.super.syncWal(db);
        }

        @Override
        public void flush(RocksDB db, FlushOptions options, List<ColumnFamilyHandle> families)
                throws RocksDBException {
            flushes++;
            familiesPerFlush = families.size();
            CountDownLatch gate = flushGate;
            if (gate != null) {
                flushEntered.countDown();
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RocksDBException("interrupted");
                }
            }
            if (syncFails) throw new RocksDBException("IO error: While fsync: Input/output error");
            DiskWrite.super.flush(db, options, families);
        }
    }

    @Test
    void appliesAreUnsyncedAndSyncMakesThemDurable(@TempDir Path dir) {
        RecordingDisk disk = new RecordingDisk();
        try (MvccStore store = MvccStore.open(dir, MvccOptions.defaults().withSyncEveryApply(false), disk)) {
            disk.writesSynced.clear(); // opening may write the initial state, durably
            disk.writesLogged.clear();
            int flushesAtOpen = disk.flushes;
            for (long i = 1; i <= 5; i++) store.apply(i, PutRequest.of(b("k" + i), b("v" + i)));
            assertEquals(List.of(false, false, false, false, false), disk.writesSynced);
            assertEquals(List.of(false, false, false, false, false), disk.writesLogged, "applies skip the WAL");
            assertEquals(flushesAtOpen, disk.flushes);
            assertEquals(5, store.sync(), "sync covers everything applied");
            assertEquals(flushesAtOpen + 1, disk.flushes, "sync is one flush");
            assertEquals(Column.values().length + 1, disk.familiesPerFlush, "of every column family at once");
            assertEquals(0, disk.syncs, "there is no WAL to sync");
        }
        try (MvccStore reopened = MvccStore.open(dir)) {
            assertEquals(5, reopened.appliedIndex());
            assertEquals(5, reopened.range(RangeRequest.of(KeyRange.prefix(b("k")))).count());
        }
    }

    /**
     * A member syncs its store every 10,000 entries before it compacts its Raft log: a flush of 60-120 ms on a loaded
     * machine. It runs beside the apply thread, which must not wait for it (it did: the sync held the apply lock,
     * every write stopped for the flush, and that was the p99 of a member's puts).
     */
    @Test
    void applyingGoesOnWhileASyncFlushes(@TempDir Path dir) throws Exception {
        RecordingDisk disk = new RecordingDisk();
        ExecutorService syncer = Executors.newSingleThreadExecutor();
        try (MvccStore store = MvccStore.open(dir, MvccOptions.defaults().withSyncEveryApply(false), disk)) {
            for (long i = 1; i <= 5; i++) store.apply(i, PutRequest.of(b("k" + i), b("v" + i)));
            CountDownLatch gate = new CountDownLatch(1);
            disk.flushGate = gate;
            try {
                Future<Long> sync = syncer.submit(store::sync);
                assertTrue(disk.flushEntered.await(60, TimeUnit.SECONDS), "the sync reached its flush");
                CompletableFuture<Long> applied = CompletableFuture.supplyAsync(() -> {
                    store.apply(6, PutRequest.of(b("k6"), b("v6")));
                    return store.appliedIndex();
                });
                assertEquals(6, applied.get(60, TimeUnit.SECONDS), "an apply completes while the flush is held");
                assertFalse(sync.isDone());
                gate.countDown();
                assertEquals(5, sync.get(60, TimeUnit.SECONDS), "the sync covers what was applied before it began");
            } finally {
                gate.countDown(); // a failed assertion must not leave the store's close waiting on the flush
            }
        } finally {
            syncer.shutdownNow();
        }
    }

    @Test
    void theDefaultStillSyncsEveryApply(@TempDir Path dir) {
        RecordingDisk disk = new RecordingDisk();
        try (MvccStore store = MvccStore.open(dir, MvccOptions.defaults(), disk)) {
            disk.writesSynced.clear();
            disk.writesLogged.clear();
            store.apply(1, PutRequest.of(b("k"), b("v")));
            assertEquals(List.of(true), disk.writesSynced);
            assertEquals(List.of(true), disk.writesLogged);
        }
    }

    @Test
    void aFailedSyncStopsTheStore(@TempDir Path dir) {
        RecordingDisk disk = new RecordingDisk();
        List<StorageFailedException> heard = new ArrayList<>();
        MvccOptions options = MvccOptions.defaults().withSyncEveryApply(false).withFailureListener(heard::add);
        try (MvccStore store = MvccStore.open(dir, options, disk)) {
            store.apply(1, PutRequest.of(b("k"), b("v")));
            int flushesBefore = disk.flushes;
            disk.syncFails = true;
            StorageFailedException failure = assertThrows(StorageFailedException.class, store::sync);
            assertTrue(failure.getMessage().contains("Input/output error"), failure.getMessage());
            assertEquals(List.of(failure), heard);
            assertThrows(StorageFailedException.class, () -> store.apply(2, PutRequest.of(b("x"), b("y"))));
            assertThrows(StorageFailedException.class, store::sync);
            assertEquals(1, disk.flushes - flushesBefore, "a failed sync is never retried");
        }
    }
}
