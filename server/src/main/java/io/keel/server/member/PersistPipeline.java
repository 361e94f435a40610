package io.keel.server.member;

import io.keel.raft.Ready;
import io.keel.raft.proto.Message;
import io.keel.storage.log.GroupCommitLog;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 */
final class PersistPipeline {
    /** {@code messagesSent}: its messagesAfterPersist went out when its write became durable. */
    private record InFlight(Ready ready, CompletableFuture<Void> durable, boolean messagesSent) {
    }

    private final GroupCommitLog log;
    private final RaftLoop loop;
    private final Consumer<List<Message>> send;
    private final Consumer<Ready> onDurable;
    private final Consumer<Throwable> onFailure;
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>(); // raft thread only
    /** Completes once the last write was handed to the group commit log (raft thread only). */
    private CompletableFuture<Void> handedOver = CompletableFuture.completedFuture(null);
    /** Set before the raft thread starts. */
    MemberObserver observer = MemberObserver.NONE;

    /**
     * {@code send} sends messages (from any thread); {@code onDurable} gets each Ready back on the raft thread, in
     * order, once it is durable and its messagesAfterPersist are sent.
     */
    PersistPipeline(GroupCommitLog log, RaftLoop loop, Consumer<List<Message>> send, Consumer<Ready> onDurable,
                    Consumer<Throwable> onFailure) {
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
        inFlight.add(new InFlight(ready, durable, write));
        if (write) {
            long start = System.nanoTime();
            durable.thenRun(() -> {
                observer.persisted(System.nanoTime() - start);
                send.accept(ready.messagesAfterPersist());
            });
        }
        // The completion arrives on the sync thread: only a task is queued there, the work runs on the raft thread.
        durable.whenComplete((v, e) -> loop.execute(this::drain));
    }

    /** Raft thread: hands back every Ready at the head whose write is done. */
    private void drain() {
        while (!inFlight.isEmpty() && inFlight.peek().durable().isDone()) {
            InFlight head = inFlight.poll();
            if (head.durable().isCompletedExceptionally()) {
                Throwable cause = head.durable().handle((v, e) -> e).join();
                // Fail-stop (fsyncgate): nothing after a failed write may be acknowledged.
                inFlight.clear();
                onFailure.accept(cause);
                return;
            }
            if (!head.messagesSent()) send.accept(head.ready().messagesAfterPersist());
            onDurable.accept(head.ready());
        }
    }
}
