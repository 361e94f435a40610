package io.keel.server.member;

import io.keel.raft.runtime.PublishedLeaderLease;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClockJumpsTest {
    private final AtomicLong mono = new AtomicLong(5_000_000_000L);
    private final AtomicLong wall = new AtomicLong(1_700_000_000_000L);
    private final ClockJumps clocks = new ClockJumps(mono::get, wall::get);

    private void advance(long monoMillis, long wallMillis) {
        mono.addAndGet(monoMillis * 1_000_000);
        wall.addAndGet(wallMillis);
    }

    @Test
    void clocksMovingTogetherAreNoJump() {
        for (int i = 0; i < 100; i++) {
            advance(10, 10);
            assertFalse(clocks.jumpedSinceLastCheck());
        }
        advance(10, 12); // within the tolerance: a millisecond clock read at a different moment
        assertFalse(clocks.jumpedSinceLastCheck());
    }

    @Test
    void aSuspensionIsAJumpSeenOnce() {
        advance(1, 3_000); // the monotonic clock stood still for three seconds of real time
        assertTrue(clocks.jumpedSinceLastCheck());
        advance(10, 10);
        assertFalse(clocks.jumpedSinceLastCheck(), "reported once; afterwards the clocks move together again");
    }

    @Test
    void aWallClockSteppedBackIsNoJump() {
        advance(10, -60_000);
        assertFalse(clocks.jumpedSinceLastCheck());
    }

    @Test
    void aPublishedLeaderLeaseDoesNotHoldAfterASuspension() {
        MonotonicClock clock = new MonotonicClock(clocks, 1);
        assertFalse(clock.mayHaveStoppedSinceLastCheck());
        PublishedLeaderLease lease = new PublishedLeaderLease(mono.get() + 900_000_000L, 7, clock.suspensionMark());
        assertTrue(clock.holds(lease, 7));
        assertFalse(clock.holds(lease, 8), "another term's lease");
        advance(1, 2_000); // suspended for two seconds: by the monotonic clock, 899 ms of lease are left
        assertFalse(clock.holds(lease, 7), "the followers' guards ran out in real time");
    }

    @Test
    void aPublishedLeaderLeaseEndsByTheMonotonicClock() {
        MonotonicClock clock = new MonotonicClock(clocks, 1);
        assertFalse(clock.mayHaveStoppedSinceLastCheck());
        PublishedLeaderLease lease = new PublishedLeaderLease(mono.get() + 900_000_000L, 7, clock.suspensionMark());
        advance(899, 899);
        assertTrue(clock.holds(lease, 7));
        advance(1, 1);
        assertFalse(clock.holds(lease, 7));
        assertFalse(clock.holds(PublishedLeaderLease.NONE, 0));
    }
}
