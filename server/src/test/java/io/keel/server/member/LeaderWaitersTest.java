package io.keel.server.member;

import io.keel.server.concurrent.Futures;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Callers of awaitLeader: answered at once or when a leader becomes known; callers that gave up are forgotten. */
class LeaderWaitersTest {
    @Test
    void aKnownLeaderAnswersAtOnceAndAnUnknownOneWhenItBecomesKnown() throws Exception {
        LeaderWaiters waiters = new LeaderWaiters();
        CompletableFuture<Long> now = new CompletableFuture<>();
        waiters.await(now, 5);
        assertEquals(5, now.getNow(-1L));
        assertEquals(0, waiters.size());

        CompletableFuture<Long> later = new CompletableFuture<>();
        waiters.await(later, 0);
        assertFalse(later.isDone(), "no leader known yet");
        waiters.leaderKnown(7);
        assertEquals(7, later.get(0, TimeUnit.SECONDS));
        assertEquals(0, waiters.size());
    }

    @Test
    void callersThatGaveUpAreForgottenWhileNoLeaderIsKnown() {
        LeaderWaiters waiters = new LeaderWaiters();
        List<CompletableFuture<Long>> gaveUp = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            CompletableFuture<Long> f = new CompletableFuture<>();
            waiters.await(f, 0);
            f.completeExceptionally(new IllegalStateException("timed out")); // as Futures.within does
            gaveUp.add(f);
        }
        assertTrue(waiters.size() < 200, "a long election does not hold every caller that gave up: "
                + waiters.size());
        waiters.leaderKnown(3);
        assertTrue(gaveUp.stream().allMatch(CompletableFuture::isCompletedExceptionally),
                "a caller that gave up stays failed");
    }

    @Test
    void aTimeoutFailsTheCallerAndStoppingFailsTheRest() {
        LeaderWaiters waiters = new LeaderWaiters();
        CompletableFuture<Long> parked = new CompletableFuture<>();
        waiters.await(parked, 0);
        CompletableFuture<Long> bounded = Futures.within(parked, Duration.ofMillis(1),
                () -> new IllegalStateException("no leader within 1 ms"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> bounded.get(60, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());

        CompletableFuture<Long> other = new CompletableFuture<>();
        waiters.await(other, 0);
        waiters.failAll(new IllegalStateException("stopped"));
        assertTrue(other.isCompletedExceptionally());
        assertEquals(0, waiters.size());
    }
}
