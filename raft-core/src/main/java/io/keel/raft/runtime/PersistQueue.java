package io.keel.raft.runtime;

import io.keel.raft.Ready;

import java.util.ArrayDeque;
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
 */
final class PersistQueue {
    private static final class InFlight {
        final Ready ready;
        final boolean write;
        /** The snapshot's install (null: none), started once this Ready is at the head. */
        final Runnable install;
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
            this.gateOpen = install == null;
        }
    }

    private final LogStore log;
    private final Transport transport;
    private final Stages stages;
    /** Runs a task on the raft stage and drives the node after it. */
    private final Consumer<Runnable> onRaftStage;
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
                 Consumer<Ready> durable, Consumer<Throwable> failStop) {
        this.log = log;
        this.transport = transport;
        this.stages = stages;
        this.onRaftStage = onRaftStage;
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
                        onRaftStage.accept(PersistQueue.this::drain);
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

    /** Raft stage: hands back every Ready at the head whose write is done, in order. */
    void drain() {
        while (!inFlight.isEmpty()) {
            if (!inFlight.peek().done) {
                startInstallAtHead(inFlight.peek());
                return;
            }
            InFlight head = inFlight.poll();
            if (head.failure != null) {
                // Fail-stop (fsyncgate): a write that failed may or may not be on disk, and nothing after it may be
                // acknowledged; retrying the sync could report success for data the kernel already dropped.
                inFlight.clear();
                notHandedOver.clear();
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
