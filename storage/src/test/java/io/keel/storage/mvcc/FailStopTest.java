package io.keel.storage.mvcc;

import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.layout.DiskWrite;
import io.keel.storage.failure.StorageFailedException;
import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;

/**
 * A write or fsync error stops the store (fault 13): no retry, the listener hears of it once, every later call
 * throws, and after a restart exactly the acknowledged entries are there. The disk write is replaced by one that
 * fails like a disk returning EIO on fdatasync.
 */
class FailStopTest {

    /** Writes through until it breaks, then fails every write, counting the failed attempts. */
    private static final class FailingDisk implements DiskWrite {
        private boolean broken;
        private int failedAttempts;

        @Override
        public void write(org.rocksdb.RocksDB db, org.rocksdb.WriteOptions synced,
                          org.rocksdb.AbstractWriteBatch batch) throws RocksDBException {
            if (broken) {
                failedAttempts++;
                throw new RocksDBException("IO error: While fdatasync: Input/output error");
            }
            DiskWrite.ROCKSDB.write(db, synced, batch);
        }
    }

    @Test
    void aFailedWriteStopsTheStoreAndNothingUnacknowledgedIsApplied(@TempDir Path dir) {
        List<StorageFailedException> heard = new ArrayList<>();
        MvccOptions options = MvccOptions.defaults().withFailureListener(heard::add);
        FailingDisk disk = new FailingDisk();
        try (MvccStore store = MvccStore.open(dir, options, disk)) {
            for (long i = 1; i <= 10; i++) {
                store.apply(i, PutRequest.of(b("k" + i), b("v" + i)));
            }
            disk.broken = true;
            StorageFailedException failure = assertThrows(StorageFailedException.class,
                    () -> store.apply(11, PutRequest.of(b("k11"), b("v11"))));
            assertInstanceOf(RocksDBException.class, failure.getCause());
            assertTrue(failure.getMessage().contains("Input/output error"), failure.getMessage());
            assertEquals(List.of(failure), heard);
            assertSame(failure, store.failure().orElseThrow());

            StorageFailedException later = assertThrows(StorageFailedException.class,
                    () -> store.range(RangeRequest.key(b("k1"))));
            assertSame(failure, later.getCause());
            assertThrows(StorageFailedException.class, () -> store.apply(11, PutRequest.of(b("x"), b("y"))));
            assertEquals(1, disk.failedAttempts, "the failed write is never retried, and nothing is written after it");
            assertEquals(1, heard.size(), "the listener is told once");
            assertEquals(10, store.appliedIndex());
        }
        try (MvccStore reopened = MvccStore.open(dir)) {
            assertEquals(10, reopened.appliedIndex());
            assertEquals(11, reopened.revision());
            assertEquals(10, reopened.range(RangeRequest.of(KeyRange.prefix(b("k")))).count());
        }
    }
}
