package io.keel.server.member;

import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.SnapshotMetadata;
import io.keel.storage.log.RocksLogStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.concurrent.CompletableFuture;

/**
 * Runs the member's state machine ({@link StoreStateMachine}) on its own thread, one batch at a time, answers the
 * proposals waiting for its entries and reports the applied index back (to the raft thread, through
 * {@code applied}).
 */
final class ApplyPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(ApplyPipeline.class);

    /** Told what is applied: Raft's index of the last entry applied (-1 after a snapshot) and the store's. */
    interface AppliedListener {
        void applied(long raftIndex, long storeIndex);
    }

    private static final Runnable STOP = () -> { };

    private final StoreStateMachine machine;
    private final RocksLogStorage log;
    private final Proposals proposals;
    private final AppliedListener applied;
    private final Consumer<Throwable> onFailure;
    private final LinkedBlockingQueue<Runnable> batches = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final long memberId;

    ApplyPipeline(StoreStateMachine machine, RocksLogStorage log, Proposals proposals, AppliedListener applied,
                  Consumer<Throwable> onFailure) {
        this.machine = machine;
        this.log = log;
        this.proposals = proposals;
        this.applied = applied;
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
    CompletableFuture<Void> install(SnapshotMetadata snapshot) {
        CompletableFuture<Void> installed = new CompletableFuture<>();
        batches.add(() -> {
            try {
                machine.installSnapshot(snapshot);
            } catch (RuntimeException e) {
                installed.completeExceptionally(e);
                throw e;
            }
            proposals.coveredBySnapshot(snapshot.getIndex());
            applied.applied(-1, machine.storeApplied());
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
        List<EntryOutcome> outcomes = machine.apply(entries, newConfState);
        if (entries.isEmpty()) return;
        boolean anyForwarded = proposals.anyForwarded();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            EntryOutcome o = outcomes.get(i);
            proposals.applied(e.getIndex(), e.getTerm(), o.response(), o.refusal());
            if (anyForwarded) {
                long request = machine.originRequest(e, memberId);
                if (request >= 0) proposals.appliedForwarded(request, o.response(), o.refusal());
            }
        }
        // Raft is told the last entry it handed out; the store may be further on after a snapshot import.
        applied.applied(machine.lastApplied(), machine.storeApplied());
    }
}
