package io.keel.storage.mvcc.snapshot;

import io.keel.storage.mvcc.layout.Database;
import io.keel.storage.mvcc.layout.StoreState;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.rocksdb.RocksDBException;

/**
 * The snapshot directory of a store: {@code snapshot-<applied index>} directories made by RocksDB's Checkpoint.
 *
 * <p>Why Checkpoint rather than exporting SST files per column family: a checkpoint is one consistent image of
 * every column family at once, META (and so the applied index) included, taken by hard-linking immutable files
 * (no copy, no extra disk until compaction rewrites them); the result is a complete RocksDB directory that the
 * receiver opens as is. Exported column families would each be a separate point in time, and would need an
 * ingest step and extra care to agree with one applied index.
 */
public final class Snapshots {
    private static final String PREFIX = "snapshot-";
    private static final String TEMPORARY = "tmp-";

    private Snapshots() {}

    /** Makes (or reuses) the snapshot at {@code state}, removes every other one, and describes it. */
    public static SnapshotExport export(Database db, Path snapshotsDir, StoreState state, int chunkBytes)
            throws IOException, RocksDBException {
        Files.createDirectories(snapshotsDir);
        String name = String.format("%s%020d", PREFIX, state.appliedIndex());
        Path target = snapshotsDir.resolve(name);
        if (!Files.isDirectory(target)) {
            Path temporary = snapshotsDir.resolve(TEMPORARY + name);
            deleteRecursively(temporary);
            db.checkpoint(temporary);
            // Renamed only once complete, so a snapshot-* directory is always a whole image.
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(snapshotsDir);
        }
        try (Stream<Path> entries = Files.list(snapshotsDir)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                if (!p.equals(target)) {
                    deleteRecursively(p);
                }
            }
        }
        List<SnapshotManifest.SnapshotFile> files = new ArrayList<>();
        try (Stream<Path> entries = Files.list(target)) {
            for (Path p : (Iterable<Path>) entries.sorted()::iterator) {
                files.add(new SnapshotManifest.SnapshotFile(p.getFileName().toString(), Files.size(p)));
            }
        }
        return new SnapshotExport(target, new SnapshotManifest(state.appliedIndex(), state.revision(),
                state.compactRevision(), chunkBytes, files));
    }

    /**
     * Makes a checkpoint at {@code state} in {@code target} (which must not exist yet), apart from the snapshots the
     * members send each other, and describes it. The caller removes it when done.
     */
    public static SnapshotExport checkpointTo(Database db, Path target, StoreState state, int chunkBytes)
            throws IOException, RocksDBException {
        if (Files.exists(target)) throw new IllegalArgumentException(target + " already exists");
        Files.createDirectories(target.getParent());
        db.checkpoint(target);
        List<SnapshotManifest.SnapshotFile> files = new ArrayList<>();
        try (Stream<Path> entries = Files.list(target)) {
            for (Path p : (Iterable<Path>) entries.sorted()::iterator) {
                files.add(new SnapshotManifest.SnapshotFile(p.getFileName().toString(), Files.size(p)));
            }
        }
        return new SnapshotExport(target, new SnapshotManifest(state.appliedIndex(), state.revision(),
                state.compactRevision(), chunkBytes, files));
    }

    /** A crash during an export leaves a temporary directory; it is never complete, so it goes. */
    public static void removeIncomplete(Path snapshotsDir) throws IOException {
        if (!Files.isDirectory(snapshotsDir)) {
            return;
        }
        try (Stream<Path> entries = Files.list(snapshotsDir)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                if (p.getFileName().toString().startsWith(TEMPORARY)) {
                    deleteRecursively(p);
                }
            }
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(q);
            }
        }
    }

    /** Makes a directory's entries (a rename, a new file) durable. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
