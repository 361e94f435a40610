package io.keel.server.member;

import io.keel.raft.RaftNode;
import io.keel.raft.ReadState;
import io.keel.server.ReadRejectedException;
import io.keel.storage.mvcc.MvccStore;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Linearizable reads (thesis §6.4): ask Raft for a read index, wait until the store has applied it, then read.
 * Everything but the execution runs on the raft thread; the store is read on the read executor so a slow range
 * never delays ticks.
 *
 * <p>A lease read is answered by the leader without a confirmation round. After executing it, the published
 * lease is re-checked against the clock: the lease may have ended meanwhile (a transfer ends it early), and the
 * answer could then miss a newer leader's write. Such an answer is discarded and the read asked again.
 */
final class Reads {
    private record Pending<T>(Function<MvccStore, T> query, CompletableFuture<T> result) {
    }

    private record Confirmed(Pending<?> read, ReadState state, long term) {
    }

    private final StoreRef store;
    private final Executor executor;
    private final Supplier<LeaderLeaseView> lease;
    private final ClockJumps clocks;
    private final Executor raftThread;
    private final Map<Long, Pending<?>> awaitingIndex = new HashMap<>(); // raft thread
    private final PriorityQueue<Confirmed> awaitingApply =
            new PriorityQueue<>(Comparator.comparingLong(c -> c.state().index())); // raft thread
    private long nextReadId = 1;
    private long applied;

    Reads(StoreRef store, Executor executor, Supplier<LeaderLeaseView> lease, ClockJumps clocks, Executor raftThread) {
        this.store = store;
        this.executor = executor;
        this.lease = lease;
        this.clocks = clocks;
        this.raftThread = raftThread;
        this.applied = store.current().appliedIndex();
    }

    /** Raft thread: asks Raft for a read index. */
    <T> void start(RaftNode node, Function<MvccStore, T> query, CompletableFuture<T> result) {
        start(node, new Pending<>(query, result));
    }

    private void start(RaftNode node, Pending<?> read) {
        if (read.result().isDone()) return; // timed out or failed meanwhile
        long id = nextReadId++;
        awaitingIndex.put(id, read);
        node.read(id);
    }

    /** Raft thread: Raft answered some reads. */
    void answered(RaftNode node, Iterable<ReadState> states) {
        for (ReadState s : states) {
            Pending<?> read = awaitingIndex.remove(s.readId());
            if (read == null) continue;
            if (s.rejected()) {
                read.result().completeExceptionally(new ReadRejectedException("member "
                        + Long.toHexString(node.id()) + " could not confirm the read with a leader (leader "
                        + Long.toHexString(node.leaderId()) + ", term " + node.term() + "); retry"));
            } else {
                awaitingApply.add(new Confirmed(read, s, node.term()));
            }
        }
        runReady(node);
    }

    /** Raft thread: whether a confirmed read waits for the store to apply its index. */
    boolean waitingForApply() {
        return !awaitingApply.isEmpty();
    }

    /** Raft thread: the store has applied up to {@code index} (its own index: past Raft's after a snapshot). */
    void applied(RaftNode node, long index) {
        applied = Math.max(applied, index);
        runReady(node);
    }

    private void runReady(RaftNode node) {
        while (!awaitingApply.isEmpty() && (awaitingApply.peek().state().index() <= applied || io.keel.server.InjectedBug.READ_BEFORE_APPLY.on())) {
            Confirmed c = awaitingApply.poll();
            executor.execute(() -> execute(node, c));
        }
    }

    private <T> void execute(RaftNode node, Confirmed c) {
        @SuppressWarnings("unchecked") Pending<T> read = (Pending<T>) c.read();
        if (read.result().isDone()) return;
        T answer;
        try {
            answer = store.read(read.query());
        } catch (RuntimeException e) {
            read.result().completeExceptionally(e);
            return;
        }
        if (c.state().isLeaseRead() && !lease.get().holds(c.term(), clocks)) {
            raftThread.execute(() -> start(node, read)); // the lease ended while reading: ask again
            return;
        }
        read.result().complete(answer);
    }

    /** Raft thread: fails every read still waiting. */
    void failAll(Throwable cause) {
        for (Pending<?> p : awaitingIndex.values()) p.result().completeExceptionally(cause);
        awaitingIndex.clear();
        ArrayDeque<Confirmed> rest = new ArrayDeque<>(awaitingApply);
        awaitingApply.clear();
        for (Confirmed c : rest) c.read().result().completeExceptionally(cause);
    }
}
