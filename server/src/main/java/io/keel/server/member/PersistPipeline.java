package io.keel.server.member;

import io.keel.raft.Ready;
import io.keel.raft.proto.Message;
import io.keel.storage.log.GroupCommitLog;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Writes each Ready's durable part through the group commit log and, once it is on disk, hands the Ready back to
 * the raft thread in hand-out order. Only then may its messagesAfterPersist go out (they promise durability) and
 * its committed entries be applied (the store's applied index must never pass the durable commit index, or the
 * member could not restart: RaftLog refuses applied > committed).
 *
 * <p>A written Ready's messagesAfterPersist leave from the thread that saw its write become durable (the sync
 * thread), not after a trip back through the raft thread: a follower's append acknowledgement, which the leader's
 * commit waits for, goes out right after its fsync instead of after whatever the raft thread is doing then. Raft
 * tolerates these promises arriving in any order, and each promises only what is already on disk. Applying stays
 * on the raft thread's hand-back, which keeps committed entries in Ready order.
 *
 * <p>A Ready with nothing to persist still waits behind earlier ones, so completions keep their order. What must
 * be written is raft-core's decision ({@link Ready#mustPersist()}), the same rule the simulation is proven with: a
 * Ready whose only change is the commit index is not written (the commit index is volatile state, thesis Figure
 * 3.1; syncing it would put a second fsync on every write's path), and every write carries the newest commit index.
 *
 * <p>The hand-back wakes the raft thread only when something waits for it ({@link RaftLoop#executeDeferred}
 * otherwise): a Ready in flight carries committed entries, a configuration, a snapshot or messages still to send, or
 * {@code raftWaits} says the node needs the durable write (a leader counts its own log towards the commit, a
 * candidate its own vote; a follower holding a commit index past what it handed to apply hands those entries out
 * only once they are durable, {@link io.keel.raft.log.RaftLog#nextCommittedEntries}). A follower's write that nobody
 * waits for, the common case under load (its acknowledgement already left from the sync thread), is handed back at
 * the raft thread's next wake-up: the leader's next append, which would wake it anyway. Nothing about what is
 * durable or applied, or in which order, changes; only when the raft thread learns it.
 */
final class PersistPipeline {
    /**
     * {@code messagesSent}: its messagesAfterPersist went out when its write became durable; {@code awaited}: its
     * hand-back must wake the raft thread ({@link #awaited}).
     */
    private record InFlight(Ready ready, CompletableFuture<Void> durable, boolean messagesSent, boolean awaited) {
    }

    private final GroupCommitLog log;
    private final RaftLoop loop;
    private final Consumer<List<Message>> send;
    private final Consumer<Ready> onDurable;
    private final Consumer<Throwable> onFailure;
    /** Any thread: whether the node waits for the next durable write now (see the class comment). */
    private final BooleanSupplier raftWaits;
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>(); // raft thread only
    /** Readys in {@link #inFlight} that are {@code awaited}: written by the raft thread, read by the sync thread. */
    private final AtomicInteger awaitedInFlight = new AtomicInteger();
    /** A deferred drain is queued and has not started: one is enough, it drains whatever is durable by then. */
    private final AtomicBoolean deferredDrainQueued = new AtomicBoolean();
    /** Completes once the last write was handed to the group commit log (raft thread only). */
    private CompletableFuture<Void> handedOver = CompletableFuture.completedFuture(null);
    /** Set before the raft thread starts. */
    MemberObserver observer = MemberObserver.NONE;

    /**
     * {@code send} sends messages (from any thread); {@code onDurable} gets each Ready back on the raft thread, in
     * order, once it is durable and its messagesAfterPersist are sent. {@code raftWaits} (called on the sync
     * thread, must be cheap and thread-safe) says whether the node needs a durable write handed back at once.
     */
    PersistPipeline(GroupCommitLog log, RaftLoop loop, Consumer<List<Message>> send, Consumer<Ready> onDurable,
                    Consumer<Throwable> onFailure, BooleanSupplier raftWaits) {
        this.raftWaits = raftWaits;
        this.log = log;
        this.loop = loop;
        this.send = send;
        this.onDurable = onDurable;
        this.onFailure = onFailure;
    }

    /**
     * Raft thread. {@code gate}, when not null, must complete before this Ready's write is handed to the log (a
     * snapshot's store is installed first); later writes wait behind it, so writes keep their order.
     */
    void submit(Ready ready, CompletableFuture<Void> gate) {
        boolean write = ready.mustPersist();
        if (!write && inFlight.isEmpty() && gate == null) {
            send.accept(ready.messagesAfterPersist());
            onDurable.accept(ready);
            return;
        }
        CompletableFuture<Void> durable;
        if (!write && gate == null) {
            durable = CompletableFuture.completedFuture(null);
        } else {
            CompletableFuture<Void> before = gate == null ? handedOver : handedOver.thenCombine(gate, (a, b) -> null);
            if (before.isDone() && !before.isCompletedExceptionally()) {
                durable = write ? log.persist(ready) : CompletableFuture.completedFuture(null);
            } else {
                CompletableFuture<Void> d = new CompletableFuture<>();
                durable = d;
                handedOver = before.thenRun(() -> {
                    if (!write) {
                        d.complete(null);
                        return;
                    }
                    log.persist(ready).whenComplete((v, e) -> {
                        if (e == null) d.complete(null); else d.completeExceptionally(e);
                    });
                });
                handedOver.whenComplete((v, e) -> {
                    if (e != null) d.completeExceptionally(e);
                });
            }
        }
        boolean awaited = gate != null || awaited(ready, write);
        // Counted before the completion below can run (on this thread, when already complete): a sync thread that
        // completes an earlier write after this sees the count and wakes this thread for the hand-back.
        if (awaited) awaitedInFlight.incrementAndGet();
        inFlight.add(new InFlight(ready, durable, write, awaited));
        if (write) {
            long start = System.nanoTime();
            durable.thenRun(() -> {
                observer.persisted(System.nanoTime() - start);
                send.accept(ready.messagesAfterPersist());
            });
        }
        // The completion arrives on the sync thread: only a task is queued there, the work runs on the raft thread.
        durable.whenComplete((v, e) -> handBack(e));
    }

    /**
     * Whether the raft thread waits for this Ready's hand-back: committed entries or a configuration to apply (the
     * store and the clients waiting on it), a snapshot (its hand-back releases the store's install), messages that
     * leave only on the hand-back (a Ready without a write whose promises wait for the writes before it).
     */
    private static boolean awaited(Ready ready, boolean write) {
        return !ready.committedEntries().isEmpty() || ready.confState() != null || ready.snapshot() != null
                || (!write && !ready.messagesAfterPersist().isEmpty());
    }

    /**
     * Any thread: a write completed. The drain is queued deferred first and the waiters are looked at after
     * (RaftLoop#executeDeferred's handshake): a waiter that appears meanwhile publishes itself before the raft
     * thread reads the deferred queue, so either this thread sees it and wakes the raft thread, or the raft thread
     * finds the drain before it parks.
     */
    private void handBack(Throwable failure) {
        if (failure == null) {
            if (deferredDrainQueued.compareAndSet(false, true)) {
                loop.executeDeferred(() -> {
                    deferredDrainQueued.set(false); // before draining: a write completing from now on queues again
                    drain();
                });
            }
            if (awaitedInFlight.get() == 0 && !raftWaits.getAsBoolean()) return;
        }
        loop.execute(this::drain);
    }

    /** Raft thread: hands back every Ready at the head whose write is done. */
    private void drain() {
        while (!inFlight.isEmpty() && inFlight.peek().durable().isDone()) {
            InFlight head = inFlight.poll();
            if (head.awaited()) awaitedInFlight.decrementAndGet();
            if (head.durable().isCompletedExceptionally()) {
                Throwable cause = head.durable().handle((v, e) -> e).join();
                // Fail-stop (fsyncgate): nothing after a failed write may be acknowledged.
                inFlight.clear();
                awaitedInFlight.set(0);
                onFailure.accept(cause);
                return;
            }
            if (!head.messagesSent()) send.accept(head.ready().messagesAfterPersist());
            onDurable.accept(head.ready());
        }
    }
}
