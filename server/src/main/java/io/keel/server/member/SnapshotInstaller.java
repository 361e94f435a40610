package io.keel.server.member;

import io.keel.raft.proto.Message;
import io.keel.raft.proto.SnapshotMetadata;
import io.keel.storage.mvcc.MvccOptions;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.snapshot.SnapshotImport;
import io.keel.storage.mvcc.snapshot.SnapshotManifest;
import io.keel.transport.ReceivedSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A follower's side of snapshots. A received stream is verified and imported into {@code store-incoming} on the
 * transport's snapshot thread (before it is confirmed to the leader), then its MSG_SNAPSHOT goes to Raft. When
 * Raft accepts it, the Ready carrying it is persisted only after {@link #install} swapped the imported store in:
 * once the log records the snapshot, the entries it covers are gone, so the store must already hold them.
 *
 * <p>One snapshot at a time: a new one is refused while an accepted one is still being installed.
 */
final class SnapshotInstaller {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotInstaller.class);

    /** This member's id (hex), for the log. */
    private final String member;
    private final Path dataDir;
    private final Path incoming;
    private final MvccOptions options;
    private long importedRaftIndex = -1; // guarded by this
    private boolean installing; // guarded by this

    SnapshotInstaller(long memberId, Path dataDir, MvccOptions options) {
        this.member = Long.toHexString(memberId);
        this.dataDir = dataDir;
        this.incoming = dataDir.resolve("store-incoming");
        this.options = options;
    }

    /** Snapshot I/O thread: imports the stream into the staging store. Throwing refuses it to the leader. */
    synchronized void receive(Message meta, ReceivedSnapshot received) throws IOException {
        try {
            if (installing) throw new IllegalStateException("a snapshot is still being installed");
            deleteRecursively(incoming);
            Files.createDirectories(incoming);
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(received.file())))) {
                SnapshotManifest manifest = SnapshotStream.readManifest(in);
                try (SnapshotImport imp = SnapshotImport.begin(incoming, manifest)) {
                    for (int i = 0; i < manifest.chunkCount(); i++) imp.accept(SnapshotStream.readChunk(in));
                    imp.finish(); // verified by RocksDB and against the manifest
                }
            }
            importedRaftIndex = meta.getSnapshot().getIndex();
            LOG.info("member {}: received a snapshot from member {} for index {}", member,
                    Long.toHexString(received.from()), importedRaftIndex);
        } finally {
            Files.deleteIfExists(received.file());
        }
    }

    /** Raft thread: Raft accepted the snapshot; no other may be imported until it is installed. */
    synchronized void accepted(SnapshotMetadata snapshot) {
        if (snapshot.getIndex() != importedRaftIndex) {
            throw new IllegalStateException("Raft accepted a snapshot at index " + snapshot.getIndex()
                    + " but the imported one is for " + importedRaftIndex);
        }
        installing = true;
    }

    /** Apply thread: replaces the store with the imported one. */
    void install(StoreRef store) {
        Path live = dataDir.resolve("store");
        Path old = dataDir.resolve("store-replaced");
        store.replace(() -> {
            try {
                deleteRecursively(old);
                Files.move(live, old, StandardCopyOption.ATOMIC_MOVE);
                Files.move(incoming, live, StandardCopyOption.ATOMIC_MOVE);
                syncDirectory(dataDir);
                deleteRecursively(old);
            } catch (IOException e) {
                throw new UncheckedIOException("installing the snapshot into " + live, e);
            }
        }, () -> MvccStore.open(live, options));
        synchronized (this) {
            installing = false;
            importedRaftIndex = -1;
        }
        LOG.info("member {}: installed a snapshot: the store is at applied index {}", member,
                store.current().appliedIndex());
    }

    /**
     * Start-up: a crash between the two renames of {@link #install} leaves no {@code store} but a complete
     * {@code store-incoming}: that one is the store to use.
     */
    static void recover(Path dataDir) throws IOException {
        Path live = dataDir.resolve("store");
        Path incoming = dataDir.resolve("store-incoming");
        if (!Files.exists(live) && Files.isDirectory(dataDir.resolve("store-replaced")) && Files.isDirectory(incoming)) {
            Files.move(incoming, live, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(dataDir);
        }
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.delete(q);
        }
    }
}
