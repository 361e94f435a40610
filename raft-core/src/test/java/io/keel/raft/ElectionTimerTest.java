package io.keel.raft;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The election timer's bookkeeping on its own (what its firing means is RaftNode's, covered by the scenarios). */
class ElectionTimerTest {
    private static final RaftConfig CONFIG = RaftConfig.defaults(1).withRandomSeed(42);
    private static final long TIMEOUT = CONFIG.electionTimeout();

    /** The first time in [from, from + 2 timeouts] at which the timer is due, stepping by 1 ms. */
    private static long firstDue(ElectionTimer timer, long from) {
        for (long t = from; t <= from + 2 * TIMEOUT; t += 1_000_000) {
            if (timer.due(t)) return t;
        }
        throw new AssertionError("not due within two election timeouts of " + from);
    }

    @Test
    void firesAfterARandomTimeoutBetweenOneAndTwoElectionTimeoutsAndAgainAfterEachReset() {
        ElectionTimer timer = new ElectionTimer(CONFIG, 0);
        long first = firstDue(timer, 0);
        assertTrue(first >= TIMEOUT && first <= 2 * TIMEOUT, "due at " + first);

        long resetAt = 5 * TIMEOUT;
        timer.reset(resetAt);
        assertFalse(timer.due(resetAt + TIMEOUT - 1));
        long second = firstDue(timer, resetAt);
        long after = second - resetAt;
        assertTrue(after >= TIMEOUT && after <= 2 * TIMEOUT, "due " + after + " after the reset");
    }

    @Test
    void drawsTheSameTimeoutsForTheSameSeed() {
        ElectionTimer a = new ElectionTimer(CONFIG, 0);
        ElectionTimer b = new ElectionTimer(CONFIG, 0);
        for (int i = 1; i <= 5; i++) {
            assertEquals(firstDue(a, 0), firstDue(b, 0));
            a.reset(0);
            b.reset(0);
        }
    }

    @Test
    void aRestartedMemberCountsAsHavingJustHeardALeaderUntilAnElectionTimeoutAfterItsFirstTick() {
        ElectionTimer timer = new ElectionTimer(CONFIG, 0);
        assertTrue(timer.leaderMayCountOnThisMember(10 * TIMEOUT), "before the first tick");
        timer.ticked(3 * TIMEOUT);
        assertTrue(timer.leaderMayCountOnThisMember(4 * TIMEOUT - 1));
        assertFalse(timer.leaderMayCountOnThisMember(4 * TIMEOUT));
    }

    @Test
    void aLeaderHeardCountsFromTheNextTickNotFromWhenItWasHandled() {
        ElectionTimer timer = new ElectionTimer(CONFIG, 0);
        timer.ticked(0);
        timer.heardFromLeader(TIMEOUT); // handled at a stale clock
        timer.ticked(3 * TIMEOUT); // the tick after it
        assertTrue(timer.leaderMayCountOnThisMember(4 * TIMEOUT - 1));
        assertFalse(timer.leaderMayCountOnThisMember(4 * TIMEOUT));

        // Held back by the guard, the timer starts again from that tick, not from when the heartbeat was handled.
        timer.restartFromLastHeard();
        assertFalse(timer.due(4 * TIMEOUT - 1));
        long due = firstDue(timer, 3 * TIMEOUT);
        assertTrue(due - 3 * TIMEOUT >= TIMEOUT && due - 3 * TIMEOUT <= 2 * TIMEOUT, "due " + (due - 3 * TIMEOUT));
    }
}
