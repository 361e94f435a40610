package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static io.keel.storage.mvcc.StoreDriver.keys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.keel.storage.failure.StorageFailedException;
import io.keel.storage.mvcc.api.Compare;
import io.keel.storage.mvcc.api.DeleteRangeRequest;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.LeaseGrantRequest;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.TxnRequest;
import io.keel.storage.mvcc.layout.DiskWrite;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.AbstractWriteBatch;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * What {@code applyAll} writes: puts, compare-and-swaps and lease-attached puts go out as one plain WriteBatch (no
 * index to build); an entry that must read what the batch holds is written on its own, between the entries before
 * and after it, each write carrying META for the entries it holds, so a store stopped between two of them reopens
 * whole at the last one written.
 */
class ApplyBatchWritesTest {

    /** Records each write's kind of batch; fails from the {@code failFrom}-th write on (1-based; 0: never). */
    private static final class RecordingDisk implements DiskWrite {
        final List<String> written = new ArrayList<>();
        int failFrom;

        @Override
        public void write(RocksDB db, WriteOptions options, AbstractWriteBatch batch) throws RocksDBException {
            if (failFrom > 0 && written.size() + 1 >= failFrom) {
                throw new RocksDBException("IO error: While appending to the WAL: Input/output error");
            }
            written.add(batch.getClass().getSimpleName() + " of " + batch.count());
            DiskWrite.ROCKSDB.write(db, options, batch);
        }
    }

    @TempDir
    Path dir;

    @Test
    void putsCompareAndSwapsAndLeasePutsAreOneWriteOfAPlainBatch() {
        RecordingDisk disk = new RecordingDisk();
        try (MvccStore store = MvccStore.open(dir, MvccOptions.defaults(), disk)) {
            store.apply(1, new LeaseGrantRequest(5, 60));
            disk.written.clear();
            List<Operation> ops = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                ops.add(PutRequest.of(b("k" + i), b("v")));
                ops.add(new TxnRequest(List.of(Compare.value(b("k" + i), Compare.Result.EQUAL, b("v"))),
                        List.of(PutRequest.of(b("k" + i), b("w"))), List.of()));
                ops.add(PutRequest.of(b("l" + i), b("v")).withLease(5));
            }
            store.applyAll(2, ops);
            // 30 puts and 30 swaps: 3 records each; 30 lease puts: 4 each (their attachment too); META's 2
            assertEquals(List.of("WriteBatch of " + (60 * 3 + 30 * 4 + 2)), disk.written);
        }
    }

    @Test
    void anEntryThatReadsTheBatchIsWrittenOnItsOwnBetweenTheEntriesAroundIt() {
        RecordingDisk disk = new RecordingDisk();
        try (MvccStore store = MvccStore.open(dir, MvccOptions.defaults(), disk)) {
            disk.written.clear(); // the empty store's first state
            store.applyAll(1, aDeleteBetweenPuts());
            assertEquals(List.of("WriteBatch of 8", "WriteBatchWithIndex of 8", "WriteBatch of 5"), disk.written,
                    "two puts and META; two deletes (history, key index, current each) and META; a put and META");
        }
    }

    @Test
    void aTransactionReadingItsOwnPutsFirstInACallIsOneIndexedWriteAndTheRestPlain() {
        RecordingDisk disk = new RecordingDisk();
        try (MvccStore store = MvccStore.open(dir, MvccOptions.defaults(), disk)) {
            disk.written.clear(); // the empty store's first state
            store.applyAll(1, List.of(
                    new TxnRequest(List.of(), List.of(PutRequest.of(b("k1"), b("1")),
                            RangeRequest.of(KeyRange.prefix(b("k")))), List.of()),
                    PutRequest.of(b("z"), b("1"))));
            assertEquals(List.of("WriteBatchWithIndex of 5", "WriteBatch of 5"), disk.written,
                    "nothing before the transaction to write first; its put and META; the next put and META");
        }
    }

    @Test
    void aStoreStoppedAfterTheIndexedEntryReopensWholeAtIt() {
        stopAtWrite(3);
        try (StoreDriver reopened = new StoreDriver(dir)) {
            assertEquals(3, reopened.store.appliedIndex(), "the puts and the delete, not the last put");
            assertEquals(4, reopened.store.revision());
            assertEquals(List.of(), reopened.all());
            reopened.applyAll(List.of(aDeleteBetweenPuts().get(3))); // the log applies entry 4 again
            assertEquals(List.of("c"), keys(reopened.all()));
            assertEquals(5, reopened.store.revision());
        }
    }

    @Test
    void aStoreStoppedBeforeTheIndexedEntryReopensWholeAtTheEntryBeforeIt() {
        stopAtWrite(2);
        try (StoreDriver reopened = new StoreDriver(dir)) {
            assertEquals(2, reopened.store.appliedIndex(), "the two puts, not the delete");
            assertEquals(3, reopened.store.revision());
            assertEquals(List.of("a", "b"), keys(reopened.all()));
        }
    }

    /** Applies {@link #aDeleteBetweenPuts()} with the {@code n}-th write failing: the store stops there. */
    private void stopAtWrite(int n) {
        RecordingDisk disk = new RecordingDisk();
        try (MvccStore store = MvccStore.open(dir, MvccOptions.defaults(), disk)) {
            disk.written.clear(); // the empty store's first state
            disk.failFrom = n;
            assertThrows(StorageFailedException.class, () -> store.applyAll(1, aDeleteBetweenPuts()));
            assertEquals(n - 1, disk.written.size());
        }
    }

    /** Entries 1-4: put a, put b, delete [a, c) (which reads the batch: written indexed, alone), put c. */
    private static List<Operation> aDeleteBetweenPuts() {
        return List.of(PutRequest.of(b("a"), b("1")), PutRequest.of(b("b"), b("1")),
                DeleteRangeRequest.of(new KeyRange(b("a"), b("c"))), PutRequest.of(b("c"), b("1")));
    }
}
