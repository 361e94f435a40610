package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;

/**
 * A RocksDB write error stops the store: no retry, the listener hears of it once, every later call throws, and
 * after a restart exactly the acknowledged entries are there. The error is real: RocksDB is given a disk quota
 * (its SstFileManager) smaller than its first flush, which fails like a full disk, and RocksDB then refuses
 * writes.
 */
class FailStopTest {

    @Test
    void a_failed_write_stops_the_store_and_nothing_unacknowledged_is_applied(@TempDir Path dir) {
        List<StoreFailedException> heard = new ArrayList<>();
        MvccOptions quota = MvccOptions.defaults()
                .withWriteBufferBytes(64 << 10)
                .withMaxDiskBytes(1)
                .withFailureListener(heard::add);
        byte[] value = new byte[4096];
        Arrays.fill(value, (byte) 'v');
        long acknowledged = 0;
        StoreFailedException failure = null;
        try (MvccStore store = MvccStore.open(dir, quota)) {
            for (long i = 1; i <= 5_000 && failure == null; i++) {
                try {
                    store.apply(i, PutRequest.of(b("k" + (i % 100)), value));
                    acknowledged = i;
                } catch (StoreFailedException e) {
                    failure = e;
                }
            }
            assertNotNull(failure, "the memtable flush should have hit the quota");
            assertInstanceOf(RocksDBException.class, failure.getCause());
            assertTrue(failure.getMessage().contains("Max allowed space was reached"), failure.getMessage());
            assertEquals(List.of(failure), heard);
            assertSame(failure, store.failure().orElseThrow());

            StoreFailedException later = assertThrows(StoreFailedException.class,
                    () -> store.range(RangeRequest.key(b("k1"))));
            assertSame(failure, later.getCause());
            long next = acknowledged + 1;
            assertThrows(StoreFailedException.class, () -> store.apply(next, PutRequest.of(b("x"), b("y"))));
            assertEquals(1, heard.size(), "the listener is told once");
            assertEquals(acknowledged, store.appliedIndex());
        }
        try (MvccStore reopened = MvccStore.open(dir)) {
            assertEquals(acknowledged, reopened.appliedIndex());
            assertEquals(acknowledged + 1, reopened.revision());
            assertEquals(Math.min(acknowledged, 100),
                    reopened.range(RangeRequest.of(KeyRange.prefix(b("k")))).count());
        }
    }
}
