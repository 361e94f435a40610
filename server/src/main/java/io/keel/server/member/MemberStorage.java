package io.keel.server.member;

import io.keel.server.membership.MemberDirectory;
import io.keel.storage.log.LogStorageConfig;
import io.keel.storage.log.RocksLogStorage;
import io.keel.storage.failure.StorageFailureListener;
import io.keel.storage.mvcc.MvccOptions;
import io.keel.storage.mvcc.MvccStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A member's data directory: {@code raft-log} (the Raft log) and {@code store} (the MVCC store). A new member's log
 * is made first because it records the cluster and member id. A restarting member opens both at once (issue 14,
 * {@link StoreOpening}); if the log then refuses the directory (another member's or cluster's data) the store it
 * opened is closed again without a write, and the log's refusal is what the member reports.
 */
final class MemberStorage implements AutoCloseable {
    final RocksLogStorage log;
    final StoreRef store;
    final MvccOptions storeOptions;
    /** How long opening took, for the member's start line: "log N ms, store M ms". */
    final String openTimes;

    private MemberStorage(RocksLogStorage log, StoreRef store, MvccOptions storeOptions, String openTimes) {
        this.log = log;
        this.store = store;
        this.storeOptions = storeOptions;
        this.openTimes = openTimes;
    }

    static MemberStorage open(MemberConfig config, StorageFailureListener failed) {
        long started = System.nanoTime();
        Path logDir = config.dataDir().resolve("raft-log");
        LogStorageConfig logConfig = LogStorageConfig.defaults().withFailureListener(failed);
        // Applies are not fsynced one by one (etcd's backend is not either): the Raft log is the durable record,
        // and StoreStateMachine syncs the store before it compacts the log, so after a power loss every entry the
        // store may have lost is still in the log and is applied again.
        MvccOptions options = MvccOptions.defaults().withFailureListener(failed).withSyncEveryApply(false);
        Path storeDir = config.dataDir().resolve("store");
        boolean newLog = (config.newCluster() || config.joinExisting()) && isEmpty(logDir);
        // A store that exists needs no snapshot recovery (SnapshotInstaller.recover acts only when it is missing):
        // it opens beside the log.
        StoreOpening storeOpening = !newLog && !isEmpty(storeDir) ? StoreOpening.start(storeDir, options) : null;
        RocksLogStorage log;
        try {
            log = openLog(config, logDir, logConfig);
        } catch (RuntimeException | Error e) {
            if (storeOpening != null) storeOpening.discard(e);
            throw e;
        }
        long logOpened = System.nanoTime();
        try {
            MvccStore store;
            String times;
            if (storeOpening != null) {
                store = storeOpening.await();
                times = "log " + (logOpened - started) / 1_000_000 + " ms, store " + storeOpening.openMillis()
                        + " ms beside it";
            } else {
                SnapshotInstaller.recover(config.dataDir());
                store = MvccStore.open(storeDir, options);
                times = "log " + (logOpened - started) / 1_000_000 + " ms, store "
                        + (System.nanoTime() - logOpened) / 1_000_000 + " ms";
            }
            return new MemberStorage(log, new StoreRef(store), options, times);
        } catch (IOException e) {
            log.close();
            throw new UncheckedIOException("recovering the store in " + config.dataDir(), e);
        } catch (RuntimeException | Error e) {
            log.close();
            throw e;
        }
    }

    private static RocksLogStorage openLog(MemberConfig config, Path logDir, LogStorageConfig logConfig) {
        RocksLogStorage log;
        if (config.newCluster() && isEmpty(logDir)) {
            // Entry 1 names the initial members with their peer URLs: the member directory starts from it.
            log = RocksLogStorage.bootstrap(logDir, config.clusterId(), config.memberId(), logConfig,
                    MemberDirectory.initialContextFromUrls(config.initialPeerUrls()), config.voters());
        } else if (config.joinExisting() && isEmpty(logDir)) {
            // A member just added: no log of its own; the leader sends it the log (or a snapshot) from the start.
            log = RocksLogStorage.create(logDir, config.clusterId(), config.memberId(), logConfig);
        } else {
            // Refuses another member's or cluster's data (WrongDataDirectoryException) and an empty directory
            // where this member's data is expected (NoKeelDataException).
            log = RocksLogStorage.open(logDir, config.clusterId(), config.memberId(), logConfig);
        }
        return log;
    }

    private static boolean isEmpty(Path dir) {
        if (!Files.isDirectory(dir)) return true;
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + dir, e);
        }
    }

    @Override
    public void close() {
        try {
            store.close();
        } finally {
            log.close();
        }
    }
}
