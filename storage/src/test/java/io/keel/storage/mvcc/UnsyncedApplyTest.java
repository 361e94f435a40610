package io.keel.storage.mvcc;

import io.keel.storage.failure.StorageFailedException;
import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;

/**
 * A store opened with syncEveryApply=false (a Keel member's, whose Raft log is the durable record): applies are not
 * fsynced, sync() is the durability point, and a failing sync stops the store like a failing write.
 */
class UnsyncedApplyTest {

    /** Records what each write asked for, and can fail the WAL sync. */
    private static final class RecordingDisk implements DiskWrite {
        final List<Boolean> writesSynced = new ArrayList<>();
        int syncs;
        boolean syncFails;

        @Override
        public void write(RocksDB db, WriteOptions options, WriteBatchWithIndex batch) throws RocksDBException {
            writesSynced.add(options.sync());
            DiskWrite.ROCKSDB.write(db, options, batch);
        }

        @Override
        public void syncWal(RocksDB db) throws RocksDBException {
            syncs++;
            if (syncFails) throw new RocksDBException("IO error: While fsync: Input/output error");
            DiskWrite.super.syncWal(db);
        }
    }

    @Test
    void appliesAreUnsyncedAndSyncMakesThemDurable(@TempDir Path dir) {
        RecordingDisk disk = new RecordingDisk();
        try (MvccStore store = MvccStore.open(dir, MvccOptions.defaults().withSyncEveryApply(false), disk)) {
            disk.writesSynced.clear(); // opening may write the initial state, synced
            for (long i = 1; i <= 5; i++) store.apply(i, PutRequest.of(b("k" + i), b("v" + i)));
            assertEquals(List.of(false, false, false, false, false), disk.writesSynced);
            assertEquals(0, disk.syncs);
            assertEquals(5, store.sync(), "sync covers everything applied");
            assertEquals(1, disk.syncs);
        }
        try (MvccStore reopened = MvccStore.open(dir)) {
            assertEquals(5, reopened.appliedIndex());
            assertEquals(5, reopened.range(RangeRequest.of(KeyRange.prefix(b("k")))).count());
        }
    }

    @Test
    void theDefaultStillSyncsEveryApply(@TempDir Path dir) {
        RecordingDisk disk = new RecordingDisk();
        try (MvccStore store = MvccStore.open(dir, MvccOptions.defaults(), disk)) {
            disk.writesSynced.clear();
            store.apply(1, PutRequest.of(b("k"), b("v")));
            assertEquals(List.of(true), disk.writesSynced);
        }
    }

    @Test
    void aFailedSyncStopsTheStore(@TempDir Path dir) {
        RecordingDisk disk = new RecordingDisk();
        List<StorageFailedException> heard = new ArrayList<>();
        MvccOptions options = MvccOptions.defaults().withSyncEveryApply(false).withFailureListener(heard::add);
        try (MvccStore store = MvccStore.open(dir, options, disk)) {
            store.apply(1, PutRequest.of(b("k"), b("v")));
            disk.syncFails = true;
            StorageFailedException failure = assertThrows(StorageFailedException.class, store::sync);
            assertTrue(failure.getMessage().contains("Input/output error"), failure.getMessage());
            assertEquals(List.of(failure), heard);
            assertThrows(StorageFailedException.class, () -> store.apply(2, PutRequest.of(b("x"), b("y"))));
            assertThrows(StorageFailedException.class, store::sync);
            assertEquals(1, disk.syncs, "a failed sync is never retried");
        }
    }
}
