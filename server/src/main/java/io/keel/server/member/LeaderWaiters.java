package io.keel.server.member;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Callers of {@code Member.awaitLeader}, waiting on the raft thread for this member to know a leader. Each caller's
 * timeout is its own ({@code Futures.within} fails the future itself), so nothing here keeps a timer; a caller that
 * gave up is dropped when the next leader becomes known, or when enough give up that forgetting them is worth it.
 *
 * <p>Raft thread only (and {@link #failAll} once it stopped). Kept apart from the requests that wait for a leader
 * (the member runtime parks those itself): a caller here only wants to know who leads.
 */
final class LeaderWaiters {
    private static final int PRUNE_AT_LEAST = 64;

    private final List<CompletableFuture<Long>> waiting = new ArrayList<>();
    private int pruneAt = PRUNE_AT_LEAST;

    /** Raft thread: completes {@code result} with {@code leader} if one is known (not 0), else holds it. */
    void await(CompletableFuture<Long> result, long leader) {
        if (leader != 0) {
            result.complete(leader);
            return;
        }
        if (waiting.size() >= pruneAt) {
            waiting.removeIf(CompletableFuture::isDone); // timed out meanwhile
            pruneAt = Math.max(PRUNE_AT_LEAST, 2 * waiting.size());
        }
        waiting.add(result);
    }

    /** Raft thread: {@code leader} (not 0) is known; every caller still waiting learns it. */
    void leaderKnown(long leader) {
        if (waiting.isEmpty()) return;
        for (CompletableFuture<Long> w : waiting) w.complete(leader);
        waiting.clear();
    }

    /** Callers waiting now, given up or not (tests). */
    int size() {
        return waiting.size();
    }

    /** Raft thread, or once it stopped: fails every caller still waiting. */
    void failAll(Throwable cause) {
        for (CompletableFuture<Long> w : waiting) w.completeExceptionally(cause);
        waiting.clear();
    }
}
