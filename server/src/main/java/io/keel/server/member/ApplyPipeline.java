package io.keel.server.member;

import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.SnapshotMetadata;
import io.keel.server.auth.AuthApplier;
import io.keel.server.auth.AuthState;
import io.keel.server.membership.DirectoryApplier;
import io.keel.server.membership.MemberDirectory;
import io.keel.server.proto.ClientOp;
import io.keel.storage.log.RocksLogStorage;
import io.keel.storage.mvcc.api.ApplyResult;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.api.Operation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.concurrent.CompletableFuture;

/**
 * Applies committed entries to the MVCC store on its own thread, one write per batch (data and applied index
 * together, not fsynced: the Raft log is the durable record), answers the proposals waiting for them and reports
 * the applied index back (to the raft thread, through {@code applied}).
 *
 * <p>It also compacts the Raft log once the applied index is {@code snapshotEntries} past the log's first index:
 * it first syncs the store, which is then durable through that index, so the entries before it are no longer
 * needed here; a follower that needs them gets a store snapshot instead.
 */
final class ApplyPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(ApplyPipeline.class);

    /** Told what is applied: Raft's index of the last entry applied (-1 after a snapshot) and the store's. */
    interface AppliedListener {
        void applied(long raftIndex, long storeIndex);
    }

    /** Told of every entry applied, before the proposal waiting for it is answered (the lessor's deadlines). */
    interface EntryListener {
        void applied(MvccStore store, Entry entry, Operation op, ApplyResult result);
    }

    private static final Runnable STOP = () -> { };

    private final StoreRef store;
    private final RocksLogStorage log;
    private final Proposals proposals;
    private final long snapshotEntries;
    private final AppliedListener applied;
    private final EntryListener entryListener;
    private final Consumer<Throwable> onFailure;
    private final LinkedBlockingQueue<Runnable> batches = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final long memberId;
    private final DirectoryApplier directory;
    private final AuthApplier auth;
    private ConfState confState; // the configuration as of lastApplied (apply thread)
    private long lastApplied; // Raft's index of the last entry applied (apply thread)
    /** Set before start. */
    MemberObserver observer = MemberObserver.NONE;

    ApplyPipeline(StoreRef store, RocksLogStorage log, ConfState initialConfState, Proposals proposals,
                  long snapshotEntries, AppliedListener applied, EntryListener entryListener,
                  Consumer<Throwable> onFailure, DirectoryApplier directory, AuthApplier auth) {
        this.directory = directory;
        this.auth = auth;
        this.store = store;
        this.log = log;
        this.confState = initialConfState;
        this.proposals = proposals;
        this.snapshotEntries = snapshotEntries;
        this.applied = applied;
        this.entryListener = entryListener;
        this.onFailure = onFailure;
        this.memberId = log.identity().memberId();
        this.thread = new Thread(this::run, "keel-apply-" + Long.toHexString(memberId));
        thread.setDaemon(true); // the embedding program decides when the JVM ends; close() ends this thread
    }

    void start() {
        thread.start();
    }

    /** Raft thread: entries whose Ready is durable, in order, with the configuration they lead to (or null). */
    void submit(List<Entry> committed, ConfState confState) {
        if (!committed.isEmpty() || confState != null) batches.add(() -> apply(committed, confState));
    }

    /**
     * Raft thread: installs a snapshot's imported store after everything queued before it; the returned future
     * completes once it is installed (the Ready carrying the snapshot is persisted only then).
     */
    CompletableFuture<Void> install(SnapshotMetadata snapshot, SnapshotInstaller installer) {
        CompletableFuture<Void> installed = new CompletableFuture<>();
        batches.add(() -> {
            try {
                installer.install(store);
            } catch (RuntimeException e) {
                installed.completeExceptionally(e);
                throw e;
            }
            confState = snapshot.getConfState();
            directory.reloaded(MemberDirectory.decode(store.current().clusterRecord()));
            auth.reloaded(AuthState.decode(store.current().authRecord()));
            lastApplied = snapshot.getIndex();
            proposals.coveredBySnapshot(snapshot.getIndex());
            applied.applied(-1, store.current().appliedIndex());
            installed.complete(null);
        });
        return installed;
    }

    /** Stops after the batch being applied; entries not yet applied are applied again after a restart. */
    void stop() {
        batches.clear();
        batches.add(STOP);
        Threads.joinUninterruptibly(thread);
    }

    private void run() {
        try {
            while (true) {
                Runnable b = batches.take();
                if (b == STOP) return;
                b.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            LOG.error("apply thread of member {} stopped: {}", Long.toHexString(log.identity().memberId()),
                    t.toString(), t);
            onFailure.accept(t);
        }
    }

    private void apply(List<Entry> entries, ConfState newConfState) {
        MvccStore s = store.current();
        if (!entries.isEmpty()) {
            List<Operation> ops = new ArrayList<>(entries.size());
            ClientOp[] clientOps = new ClientOp[entries.size()]; // each entry parsed once
            long storeApplied = s.appliedIndex();
            for (int i = 0; i < entries.size(); i++) {
                clientOps[i] = OperationCodec.clientOpOf(entries.get(i));
                // auth entries: the auth state's; member entries: the directory's
                Operation authOp = auth.operation(entries.get(i), clientOps[i], storeApplied);
                ops.add(authOp != null ? authOp : directory.operation(entries.get(i), clientOps[i], storeApplied));
            }
            long start = System.nanoTime();
            List<ApplyResult> results = s.applyAll(entries.get(0).getIndex(), ops);
            observer.applied(entries.size(), System.nanoTime() - start);
            directory.applied();
            auth.applied();
            boolean anyForwarded = proposals.anyForwarded();
            for (int i = 0; i < results.size(); i++) {
                ApplyResult r = results.get(i);
                entryListener.applied(s, entries.get(i), ops.get(i), r);
                RuntimeException refusal = r.error();
                if (refusal == null) refusal = auth.refusal(r.raftIndex());
                proposals.applied(r.raftIndex(), entries.get(i).getTerm(), r.response(), refusal);
                if (anyForwarded) {
                    OperationCodec.Origin origin = OperationCodec.originOf(clientOps[i]);
                    if (origin != null && origin.member() == memberId) {
                        proposals.appliedForwarded(origin.request(), r.response(), refusal);
                    }
                }
            }
        }
        if (newConfState != null) confState = newConfState;
        if (entries.isEmpty()) return;
        // Raft is told the last entry it handed out; the store may be further on after a snapshot import.
        lastApplied = entries.get(entries.size() - 1).getIndex();
        applied.applied(lastApplied, s.appliedIndex());
        maybeCompact(lastApplied);
    }

    private void maybeCompact(long appliedIndex) {
        if (appliedIndex - log.firstIndex() < snapshotEntries) return;
        // The store's applies are not synced one by one: entries may leave the log only once the store holding
        // their effect is durable, or a power loss would lose acknowledged writes from both.
        long durable = store.current().sync();
        if (durable < appliedIndex) {
            throw new IllegalStateException("the store is durable through " + durable + " but Raft applied "
                    + appliedIndex + ": refusing to compact the log past what the store holds");
        }
        log.compact(appliedIndex, confState);
        LOG.info("member {} compacted its log through index {}", Long.toHexString(log.identity().memberId()),
                appliedIndex);
    }
}
