package io.keel.storage.mvcc.snapshot;

import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.api.CorruptionException;
import io.keel.storage.mvcc.layout.Database;
import io.keel.storage.mvcc.layout.StoreState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.rocksdb.RocksDBException;

/**
 * Receives a snapshot into a fresh store directory: chunks arrive in order and are checked (checksum, position),
 * written to a staging directory, and only a complete image that RocksDB verifies block by block and whose state
 * matches the manifest becomes the store's database. Then {@link MvccStore#open} opens it.
 */
public final class SnapshotImport implements AutoCloseable {
    private final Path storeDir;
    private final Path staging;
    private final SnapshotManifest manifest;
    private final List<SnapshotManifest.Slot> slots;
    private int next;
    private FileChannel open;
    private boolean finished;

    private SnapshotImport(Path storeDir, Path staging, SnapshotManifest manifest) {
        this.storeDir = storeDir;
        this.staging = staging;
        this.manifest = manifest;
        this.slots = manifest.slots();
    }

    public static SnapshotImport begin(Path storeDir, SnapshotManifest manifest) throws IOException {
        if (Files.exists(MvccStore.databaseDir(storeDir))) {
            throw new IllegalStateException(storeDir + " already holds a store; import into a fresh directory");
        }
        Path staging = storeDir.resolve("import-staging");
        Snapshots.deleteRecursively(staging);
        Files.createDirectories(staging);
        return new SnapshotImport(storeDir, staging, manifest);
    }

    public void accept(SnapshotChunk chunk) throws IOException {
        if (finished || next >= slots.size()) {
            throw new IllegalStateException("snapshot already has all " + slots.size() + " chunks");
        }
        if (chunk.index() != next) {
            throw new IllegalStateException("expected snapshot chunk " + next + ", got " + chunk.index());
        }
        chunk.verify();
        SnapshotManifest.Slot slot = slots.get(next);
        if (chunk.fileIndex() != slot.fileIndex() || chunk.offset() != slot.offset()
                || chunk.data().length != slot.length()) {
            throw new CorruptionException("snapshot chunk " + next + " does not fit the manifest: " + slot);
        }
        SnapshotManifest.SnapshotFile file = manifest.files().get(slot.fileIndex());
        if (slot.offset() == 0) {
            open = FileChannel.open(staging.resolve(file.name()), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
        }
        ByteBuffer data = ByteBuffer.wrap(chunk.data());
        while (data.hasRemaining()) {
            open.write(data);
        }
        if (slot.offset() + slot.length() == file.size()) {
            open.force(true);
            open.close();
            open = null;
        }
        next++;
    }

    /** Checks the received image and moves it into place. */
    public void finish() throws IOException {
        if (next != slots.size()) {
            throw new IllegalStateException("only " + next + " of " + slots.size() + " snapshot chunks received");
        }
        Snapshots.syncDirectory(staging);
        StoreState state;
        try {
            state = Database.verify(staging);
        } catch (RocksDBException e) {
            throw new CorruptionException("received snapshot fails RocksDB's verification: " + e.getMessage());
        }
        if (state.appliedIndex() != manifest.appliedIndex() || state.revision() != manifest.revision()
                || state.compactRevision() != manifest.compactRevision()) {
            throw new CorruptionException("received snapshot holds " + state + " but its manifest says applied "
                    + manifest.appliedIndex() + ", revision " + manifest.revision() + ", compacted "
                    + manifest.compactRevision());
        }
        Files.move(staging, MvccStore.databaseDir(storeDir), StandardCopyOption.ATOMIC_MOVE);
        Snapshots.syncDirectory(storeDir);
        finished = true;
    }

    /** Abandons an unfinished import, removing what was received. */
    @Override
    public void close() throws IOException {
        if (open != null) {
            open.close();
            open = null;
        }
        if (!finished) {
            Snapshots.deleteRecursively(staging);
        }
    }
}
