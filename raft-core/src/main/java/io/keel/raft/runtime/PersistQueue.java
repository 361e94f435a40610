package io.keel.raft.runtime;

import io.keel.raft.Ready;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The Readys between hand-out and durability, in hand-out order (raft stage only, but for the completion flags).
 *
 * <p>Three rules live here. A Ready's messagesAfterPersist leave only once its write is durable (they promise that:
 * a follower's acknowledgement counts toward commit, a vote must survive a crash; thesis §3.8). A Ready goes back to
 * the node, and its committed entries to apply, only once it and every Ready before it are durable (the applied
 * index must never pass the durable log, or the member could not restart). A Ready carrying a snapshot is handed to
 * the log only once the state machine installed that snapshot (a crash after the log says "snapshot at N" must find
 * the state of N; etcd's raft asks the same of its callers), and later writes wait behind it so writes keep their
 * order.
 *
 * <p>A durable write's hand-back wakes the raft stage only when something waits for it; otherwise it goes to
 * {@link Stages#raftDeferred()} and rides on the raft stage's next wake-up (the leader's next append, which would wake
 * a follower anyway). Something waits when a Ready in flight carries committed entries, a configuration or a snapshot
 * (the state machine and the clients behind it), or messages that leave only on the hand-back (a Ready without a
 * write), or when {@code raftWaits} says the node needs the durable write (a leader counts its own log toward the
 * commit, a candidate its own vote, a follower holds a commit index past what it handed to apply). The messages a
 * write promises leave from the completion stage either way. What is durable or applied, and in which order, does
 * not change; only when the raft stage learns it.
 */
final class PersistQueue {
    private static final class InFlight {
        final Ready ready;
        final boolean write;
        /** The snapshot's install (null: none), started once this Ready is at the head. */
        final Runnable install;
        /** Its hand-back must wake the raft stage (see the class comment). */
        final boolean awaited;
        boolean installStarted;
        boolean gateOpen;
        /** Set on the persist-completion stage, read on the raft stage after the hand-back task. */
        volatile boolean done;
        volatile boolean messagesSent;
        volatile Throwable failure;

        InFlight(Ready ready, boolean write, Runnable install) {
            this.ready = ready;
            this.write = write;
            this.install = install;
            this.awaited = install != null || !ready.committedEntries().isEmpty() || ready.confState() != null
                    || ready.snapshot() != null || (!write && !ready.messagesAfterPersist().isEmpty());
            this.gateOpen = install == null;
        }
    }

    private final LogStore log;
    private final Transport transport;
    private final Stages stages;
    /** Runs a task on the raft stage and drives the node after it. */
    private final Consumer<Runnable> onRaftStage;
    /** Runs a task on the raft stage at its next wake-up, without causing one, and drives the node after it. */
    private final Consumer<Runnable> onRaftStageDeferred;
    /** Whether {@code raftDeferred} is a stage of its own: if not, every hand-back simply goes to the raft stage. */
    private final boolean deferrable;
    /** Any thread, cheap: whether the node waits for the next durable write now (see the class comment). */
    private final BooleanSupplier raftWaits;
    /** Readys in flight whose hand-back is awaited: counted on the raft stage, read on the completion stage. */
    private final AtomicInteger awaitedInFlight = new AtomicInteger();
    /** A deferred drain is queued and has not started: one is enough, it drains whatever is durable by then. */
    private final AtomicBoolean deferredDrainQueued = new AtomicBoolean();
    private final Consumer<Ready> durable;
    private final Consumer<Throwable> failStop;
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    /** The tail of inFlight not yet handed to the log (waiting behind a snapshot's install). */
    private final ArrayDeque<InFlight> notHandedOver = new ArrayDeque<>();
    /**
     * Set by the first failed write, on the log's thread, before any later write's completion (writes complete in
     * order): a later write's messages must not leave, since they would vouch for the failed write's entries too.
     */
    private volatile boolean broken;

    PersistQueue(LogStore log, Transport transport, Stages stages, Consumer<Runnable> onRaftStage,
                 Consumer<Runnable> onRaftStageDeferred, BooleanSupplier raftWaits, Consumer<Ready> durable,
                 Consumer<Throwable> failStop) {
        this.log = log;
        this.transport = transport;
        this.stages = stages;
        this.onRaftStage = onRaftStage;
        this.onRaftStageDeferred = onRaftStageDeferred;
        this.deferrable = stages.raftDeferred() != stages.raft();
        this.raftWaits = raftWaits;
        this.durable = durable;
        this.failStop = failStop;
    }

    /**
     * Raft stage. {@code install}: null, or the snapshot's install, run on the apply stage, which must finish
     * before this Ready is written.
     */
    void submit(Ready ready, Runnable install) {
        boolean write = ready.mustPersist();
        if (!write && install == null && inFlight.isEmpty()) {
            // Nothing to write and nothing before it: no round trip through any stage.
            transport.send(ready.messagesAfterPersist());
            durable.accept(ready);
            return;
        }
        InFlight f = new InFlight(ready, write, install);
        // Counted before the write is handed over: its completion (on another stage, perhaps at once) must see it.
        if (f.awaited) awaitedInFlight.incrementAndGet();
        inFlight.add(f);
        notHandedOver.add(f);
        handOver();
    }

    int size() {
        return inFlight.size();
    }

    private void handOver() {
        while (!notHandedOver.isEmpty() && notHandedOver.peek().gateOpen) {
            InFlight f = notHandedOver.poll();
            if (!f.write) {
                f.done = true;
                continue;
            }
            log.persist(f.ready, new LogStore.Done() {
                @Override
                public void durable() {
                    stages.persistCompletion().execute(() -> {
                        if (broken) return;
                        // Sent from here, right after the sync, not after a trip through the raft stage: the
                        // acknowledgement the leader's commit waits for leaves at once. Each promises only what is
                        // on disk now; Raft tolerates such promises arriving in any order.
                        transport.send(f.ready.messagesAfterPersist());
                        f.messagesSent = true;
                        f.done = true;
                        handBack();
                    });
                }

                @Override
                public void failed(Throwable cause) {
                    broken = true;
                    f.failure = cause;
                    f.done = true;
                    onRaftStage.accept(PersistQueue.this::drain);
                }
            });
        }
        drain();
    }

    /**
     * Completion stage: a write is durable. The deferred drain is queued first and the waiters read after; the raft
     * stage publishes what it waits for before it looks at its deferred tasks (the end of every drive, then the
     * executor's contract: deferred tasks run before it idles). So either this stage sees the waiter and wakes the
     * raft stage, or the raft stage finds the drain before it idles.
     */
    private void handBack() {
        if (!deferrable) {
            onRaftStage.accept(this::drain);
            return;
        }
        if (deferredDrainQueued.compareAndSet(false, true)) {
            onRaftStageDeferred.accept(() -> {
                deferredDrainQueued.set(false); // before draining: a write completing from now on queues again
                drain();
            });
        }
        if (awaitedInFlight.get() > 0 || raftWaits.getAsBoolean()) onRaftStage.accept(this::drain);
    }

    /** Raft stage: hands back every Ready at the head whose write is done, in order. */
    void drain() {
        while (!inFlight.isEmpty()) {
            if (!inFlight.peek().done) {
                startInstallAtHead(inFlight.peek());
                return;
            }
            InFlight head = inFlight.poll();
            if (head.awaited) awaitedInFlight.decrementAndGet();
            if (head.failure != null) {
                // Fail-stop (fsyncgate): a write that failed may or may not be on disk, and nothing after it may be
                // acknowledged; retrying the sync could report success for data the kernel already dropped.
                clear();
                failStop.accept(head.failure);
                return;
            }
            if (!head.messagesSent) transport.send(head.ready.messagesAfterPersist());
            durable.accept(head.ready);
        }
    }

    void clear() {
        inFlight.clear();
        notHandedOver.clear();
        awaitedInFlight.set(0);
    }

    /**
     * A snapshot's install starts only once every Ready before it is durable, so the batches those Readys
     * committed are already queued on the apply stage ahead of it: an install that overtook them would have older
     * entries applied on top of the newer snapshot (the state would go back in time).
     */
    private void startInstallAtHead(InFlight head) {
        if (head.install == null || head.installStarted) return;
        head.installStarted = true;
        stages.apply().execute(() -> {
            head.install.run();
            onRaftStage.accept(() -> {
                head.gateOpen = true;
                handOver();
            });
        });
    }
}
