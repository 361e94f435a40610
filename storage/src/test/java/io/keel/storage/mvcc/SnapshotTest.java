package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.storage.mvcc.api.AlarmMember;
import io.keel.storage.mvcc.api.AlarmRequest;
import io.keel.storage.mvcc.api.AlarmType;
import io.keel.storage.mvcc.api.CorruptionException;
import io.keel.storage.mvcc.api.DeleteRangeRequest;
import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.snapshot.SnapshotChunk;
import io.keel.storage.mvcc.snapshot.SnapshotExport;
import io.keel.storage.mvcc.snapshot.SnapshotImport;
import io.keel.storage.mvcc.snapshot.SnapshotManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A snapshot exported in checksummed chunks and imported on another member is the same store. */
class SnapshotTest {
    @TempDir
    Path source;
    @TempDir
    Path target;
    StoreDriver s;

    @BeforeEach
    void fill() {
        s = new StoreDriver(source, MvccOptions.defaults().withSnapshotChunkBytes(4096));
        Random rnd = new Random(7);
        s.grant(11, 60);
        // Filled in batches (one fsync each): the content is what matters here, not single-entry commits.
        for (int batch = 0; batch < 8; batch++) {
            List<Operation> ops = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                byte[] key = b("key/" + rnd.nextInt(60));
                ops.add(switch (rnd.nextInt(6)) {
                    case 0 -> DeleteRangeRequest.key(key);
                    case 1 -> PutRequest.of(key, b("leased-" + batch + "-" + i)).withLease(11);
                    default -> PutRequest.of(key, b("value-" + batch + "-" + i + "x".repeat(rnd.nextInt(200))));
                });
            }
            s.applyAll(ops);
            if (batch == 5) {
                s.compact(s.store.revision() - 40);
            }
        }
    }

    @AfterEach
    void close() {
        s.close();
    }

    /** Sends every chunk through its byte encoding, as a transport would. */
    private static void transfer(SnapshotExport export, Path into) throws Exception {
        SnapshotManifest manifest = SnapshotManifest.decode(export.manifest().encode());
        try (SnapshotImport in = SnapshotImport.begin(into, manifest)) {
            for (int i = 0; i < export.chunkCount(); i++) {
                in.accept(SnapshotChunk.decode(export.chunk(i).encode()));
            }
            in.finish();
        }
    }

    @Test
    void anImportedSnapshotAnswersLikeTheOriginalAndContinuesIdentically() throws Exception {
        SnapshotExport export = s.store.exportSnapshot();
        assertEquals(s.store.appliedIndex(), export.manifest().appliedIndex());
        assertEquals(s.store.revision(), export.manifest().revision());
        assertTrue(export.chunkCount() > export.manifest().files().size(), "small chunks: files span several");
        transfer(export, target);

        try (StoreDriver copy = new StoreDriver(target)) {
            assertEquals(s.store.appliedIndex(), copy.store.appliedIndex());
            assertEquals(s.store.revision(), copy.store.revision());
            assertEquals(s.store.compactRevision(), copy.store.compactRevision());
            assertEquals(s.store.keyspaceHash(), copy.store.keyspaceHash());
            assertEquals(s.all(), copy.all());
            for (long rev = s.store.compactRevision(); rev <= s.store.revision(); rev += 7) {
                RangeRequest past = RangeRequest.of(KeyRange.prefix(b("key/"))).atRevision(rev);
                assertEquals(s.range(past), copy.range(past), "at revision " + rev);
            }
            assertEquals(s.store.lease(11).orElseThrow().keys().size(),
                    copy.store.lease(11).orElseThrow().keys().size());

            // Both members apply the same next entries and stay identical.
            for (StoreDriver member : List.of(s, copy)) {
                member.put("after", "snapshot");
                member.revoke(11);
                member.compact(member.store.revision() - 5);
            }
            assertEquals(s.store.keyspaceHash(), copy.store.keyspaceHash());
            assertEquals(s.all(), copy.all());
        }
    }

    @Test
    void raisedAlarmsTravelWithASnapshot() throws Exception {
        s.apply(new AlarmRequest(AlarmRequest.Action.ACTIVATE, 0x2a, AlarmType.NOSPACE));
        transfer(s.store.exportSnapshot(), target);
        try (StoreDriver copy = new StoreDriver(target)) {
            assertEquals(List.of(new AlarmMember(0x2a, AlarmType.NOSPACE)), copy.store.alarms());
            assertEquals(EtcdError.NO_SPACE, assertThrows(MvccException.class, () -> copy.put("k", "v")).error(),
                    "a member that installed the snapshot refuses what its peers refuse");
        }
    }

    @Test
    void aNewExportReplacesTheOldSnapshot() throws Exception {
        SnapshotExport first = s.store.exportSnapshot();
        s.put("more", "data");
        SnapshotExport second = s.store.exportSnapshot();
        assertEquals(first.manifest().appliedIndex() + 1, second.manifest().appliedIndex());
        try (Stream<Path> snapshots = Files.list(source.resolve("snapshots"))) {
            assertEquals(List.of(String.format("snapshot-%020d", second.manifest().appliedIndex())),
                    snapshots.map(p -> p.getFileName().toString()).toList());
        }
        assertThrows(java.io.UncheckedIOException.class, () -> first.chunk(0), "the old one's files are gone");
        SnapshotExport again = s.store.exportSnapshot();
        assertEquals(second.manifest(), again.manifest(), "nothing applied since: the same snapshot");
    }

    @Test
    void aDamagedOrMisplacedChunkIsRefusedAndNothingIsInstalled() throws Exception {
        SnapshotExport export = s.store.exportSnapshot();
        int largest = 0;
        for (int i = 0; i < export.chunkCount(); i++) {
            largest = export.chunk(i).data().length > export.chunk(largest).data().length ? i : largest;
        }
        byte[] wire = export.chunk(largest).encode();
        wire[wire.length / 2] ^= 0x40;
        CorruptionException e = assertThrows(CorruptionException.class, () -> SnapshotChunk.decode(wire));
        assertTrue(e.getMessage().startsWith("snapshot chunk " + largest + " "), e.getMessage());

        try (SnapshotImport in = SnapshotImport.begin(target, export.manifest())) {
            in.accept(export.chunk(0));
            assertThrows(IllegalStateException.class, () -> in.accept(export.chunk(2)));
            SnapshotChunk good = export.chunk(1);
            SnapshotChunk moved = SnapshotChunk.of(1, good.fileIndex(), good.offset() + 1, good.data());
            assertThrows(CorruptionException.class, () -> in.accept(moved));
            assertThrows(IllegalStateException.class, in::finish);
        }
        assertFalse(Files.exists(MvccStore.databaseDir(target)));
        assertFalse(Files.exists(target.resolve("import-staging")), "an abandoned import leaves nothing");
        byte[] manifest = export.manifest().encode();
        manifest[12] ^= 1;
        assertThrows(CorruptionException.class, () -> SnapshotManifest.decode(manifest));
    }

    @Test
    void anImportWhoseStateDisagreesWithItsManifestIsRefused() throws Exception {
        SnapshotExport export = s.store.exportSnapshot();
        SnapshotManifest m = export.manifest();
        SnapshotManifest lying = new SnapshotManifest(m.appliedIndex() + 1, m.revision(), m.compactRevision(),
                m.chunkBytes(), m.files());
        try (SnapshotImport in = SnapshotImport.begin(target, lying)) {
            for (int i = 0; i < export.chunkCount(); i++) {
                in.accept(export.chunk(i));
            }
            CorruptionException e = assertThrows(CorruptionException.class, in::finish);
            assertTrue(e.getMessage().contains("manifest says applied " + (m.appliedIndex() + 1)), e.getMessage());
        }
        assertFalse(Files.exists(MvccStore.databaseDir(target)));
    }

    @Test
    void theManifestAndChunksRoundTripThroughBytes() {
        SnapshotExport export = s.store.exportSnapshot();
        assertEquals(export.manifest(), SnapshotManifest.decode(export.manifest().encode()));
        SnapshotChunk c = export.chunk(export.chunkCount() - 1);
        SnapshotChunk back = SnapshotChunk.decode(c.encode());
        assertArrayEquals(c.data(), back.data());
        assertEquals(c.offset(), back.offset());
    }
}
