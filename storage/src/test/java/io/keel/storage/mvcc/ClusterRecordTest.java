package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.keel.storage.mvcc.api.ClusterRecordWrite;
import io.keel.storage.mvcc.api.CorruptionException;
import io.keel.storage.mvcc.api.NoOpResponse;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.Response;
import io.keel.storage.mvcc.layout.ClusterRecord;
import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.snapshot.SnapshotChunk;
import io.keel.storage.mvcc.snapshot.SnapshotExport;
import io.keel.storage.mvcc.snapshot.SnapshotImport;
import io.keel.storage.mvcc.snapshot.SnapshotManifest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's cluster record: applied with its entry, kept across a reopen, carried by snapshots. */
class ClusterRecordTest {
    @TempDir
    Path dir;
    @TempDir
    Path target;

    @Test
    void theRecordIsAbsentUntilWrittenAndThenFollowsTheAppliedEntries() {
        try (StoreDriver s = new StoreDriver(dir)) {
            assertNull(s.store.clusterRecord());
            s.put("k", "v");
            long revision = s.store.revision();
            Response r = s.apply(new ClusterRecordWrite(b("first")));
            assertInstanceOf(NoOpResponse.class, r);
            assertEquals(revision, s.store.revision(), "a cluster record does not bump the revision");
            assertArrayEquals(b("first"), s.store.clusterRecord());
            // In a batch, the last write wins, and the record is part of the same atomic apply.
            s.applyAll(List.of(new ClusterRecordWrite(b("second")), PutRequest.of(b("a"), b("1")),
                    new ClusterRecordWrite(b("third"))));
            assertArrayEquals(b("third"), s.store.clusterRecord());
            // Replaying an applied index changes nothing.
            s.store.applyAll(s.store.appliedIndex(), List.of(new ClusterRecordWrite(b("replayed"))));
            assertArrayEquals(b("third"), s.store.clusterRecord());
        }
        try (StoreDriver reopened = new StoreDriver(dir)) {
            assertArrayEquals(b("third"), reopened.store.clusterRecord());
        }
    }

    @Test
    void aSnapshotCarriesTheRecord() throws Exception {
        try (StoreDriver s = new StoreDriver(dir)) {
            s.apply(new ClusterRecordWrite(b("members")));
            SnapshotExport export = s.store.exportSnapshot();
            SnapshotManifest manifest = SnapshotManifest.decode(export.manifest().encode());
            try (SnapshotImport in = SnapshotImport.begin(target, manifest)) {
                for (int i = 0; i < export.chunkCount(); i++) {
                    in.accept(SnapshotChunk.decode(export.chunk(i).encode()));
                }
                in.finish();
            }
        }
        try (StoreDriver copy = new StoreDriver(target)) {
            assertArrayEquals(b("members"), copy.store.clusterRecord());
        }
    }

    @Test
    void aDamagedRecordIsReportedAsCorruption() throws Exception {
        try (StoreDriver s = new StoreDriver(dir)) {
            s.apply(new ClusterRecordWrite(b("members")));
        }
        try (RawRocks raw = new RawRocks(dir)) {
            raw.flipByte(Column.META, ClusterRecord.KEY, 0);
        }
        try (StoreDriver s = new StoreDriver(dir)) {
            org.junit.jupiter.api.Assertions.assertThrows(CorruptionException.class, () -> s.store.clusterRecord());
        }
    }
}
