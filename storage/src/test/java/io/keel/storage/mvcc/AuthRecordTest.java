package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.keel.storage.mvcc.api.AuthRecordWrite;
import io.keel.storage.mvcc.api.ClusterRecordWrite;
import io.keel.storage.mvcc.api.CorruptionException;
import io.keel.storage.mvcc.layout.AuthRecord;
import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.snapshot.SnapshotChunk;
import io.keel.storage.mvcc.snapshot.SnapshotExport;
import io.keel.storage.mvcc.snapshot.SnapshotImport;
import io.keel.storage.mvcc.snapshot.SnapshotManifest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's auth record: applied with its entry, apart from the cluster record, kept across a reopen and in snapshots. */
class AuthRecordTest {
    @TempDir
    Path dir;
    @TempDir
    Path target;

    @Test
    void theRecordFollowsTheAppliedEntriesAndSurvivesAReopen() {
        try (StoreDriver s = new StoreDriver(dir)) {
            assertNull(s.store.authRecord());
            s.put("k", "v");
            long revision = s.store.revision();
            s.apply(new AuthRecordWrite(b("users-1")));
            assertEquals(revision, s.store.revision(), "an auth change does not bump the revision");
            s.applyAll(List.of(new ClusterRecordWrite(b("members")), new AuthRecordWrite(b("users-2"))));
            assertArrayEquals(b("users-2"), s.store.authRecord());
            assertArrayEquals(b("members"), s.store.clusterRecord(), "two records, two keys");
            s.store.applyAll(s.store.appliedIndex(), List.of(new AuthRecordWrite(b("replayed"))));
            assertArrayEquals(b("users-2"), s.store.authRecord());
        }
        try (StoreDriver reopened = new StoreDriver(dir)) {
            assertArrayEquals(b("users-2"), reopened.store.authRecord());
        }
    }

    @Test
    void aSnapshotCarriesTheRecordAndDamageIsCorruption() throws Exception {
        try (StoreDriver s = new StoreDriver(dir)) {
            s.apply(new AuthRecordWrite(b("users")));
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
            assertArrayEquals(b("users"), copy.store.authRecord());
        }
        try (RawRocks raw = new RawRocks(dir)) {
            raw.flipByte(Column.META, AuthRecord.KEY, 0);
        }
        try (StoreDriver s = new StoreDriver(dir)) {
            assertThrows(CorruptionException.class, () -> s.store.authRecord());
        }
    }
}
