package io.keel.server.member;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Requests that arrived while this member knew no leader (just started, or an election under way), parked until one
 * is known or their deadline passes, as etcd's clients retry until their deadline instead of failing at once.
 *
 * <p>Raft thread only. Both outcomes run there: a leader becoming known re-runs every parked request, and a
 * deadline fails the request through a task queued on the raft thread, so a request is never both proposed and
 * failed. A deadline may be noticed a little late (the raft thread is busy); never early.
 */
final class LeaderWait {
    private record Parked(long deadline, CompletableFuture<?> result, Runnable retry,
                          Supplier<RuntimeException> noLeader) {
    }

    private final Executor raftThread;
    private final PriorityQueue<Parked> parked = new PriorityQueue<>(Comparator.comparingLong(Parked::deadline));
    private static final int PRUNE_AT_LEAST = 1024;
    /** How many parked requests trigger dropping those already done (raft thread). */
    private int pruneAt = PRUNE_AT_LEAST;

    LeaderWait(Executor raftThread) {
        this.raftThread = raftThread;
    }

    /**
     * Raft thread: holds {@code retry} until a leader is known, then runs it (on the raft thread); fails
     * {@code result} with {@code noLeader} once {@link System#nanoTime()} passes {@code deadline} first.
     */
    void park(long deadline, CompletableFuture<?> result, Runnable retry, Supplier<RuntimeException> noLeader) {
        long delay = deadline - System.nanoTime();
        if (delay <= 0) {
            result.completeExceptionally(noLeader.get());
            return;
        }
        parked.add(new Parked(deadline, result, retry, noLeader));
        // One timer per parked request; it only queues a check, so one that fires after its request left is a no-op.
        CompletableFuture.delayedExecutor(delay, TimeUnit.NANOSECONDS, raftThread).execute(this::expire);
    }

    /**
     * Raft thread: holds {@code retry} until a leader is known, then runs it (on the raft thread). No timer here: the
     * request's own ({@link RequestTimer}) fails {@code result} at its deadline, and a request done by then is
     * dropped, never run.
     */
    void park(CompletableFuture<?> result, Runnable retry) {
        if (parked.size() >= pruneAt) {
            // Requests failed by their own timers while no leader is known: forgotten now and then, so a long
            // election cannot hold them all (the cost stays linear: the next prune waits for twice as many).
            parked.removeIf(p -> p.result().isDone());
            pruneAt = Math.max(PRUNE_AT_LEAST, 2 * parked.size());
        }
        parked.add(new Parked(Long.MAX_VALUE, result, retry, null));
    }

    /** Raft thread: a leader is known; every parked request runs again (and may park again if it is lost at once). */
    void leaderKnown() {
        if (parked.isEmpty()) return;
        List<Parked> ready = new ArrayList<>(parked);
        parked.clear();
        for (Parked p : ready) {
            if (!p.result().isDone()) p.retry().run();
        }
    }

    /** Requests parked now (for tests and metrics). */
    int size() {
        return parked.size();
    }

    /** Raft thread, or after it stopped: fails every parked request. */
    void failAll(Throwable cause) {
        for (Parked p : parked) p.result().completeExceptionally(cause);
        parked.clear();
    }

    private void expire() {
        long now = System.nanoTime();
        // Untimed requests (deadline Long.MAX_VALUE) sort last and never expire here.
        while (!parked.isEmpty() && parked.peek().deadline() != Long.MAX_VALUE && parked.peek().deadline() - now <= 0) {
            Parked p = parked.poll();
            p.result().completeExceptionally(p.noLeader().get());
        }
    }
}
