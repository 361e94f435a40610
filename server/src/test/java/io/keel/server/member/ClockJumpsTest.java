package io.keel.server.member;

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
        clocks.jumpedSinceLastCheck();
        LeaderLeaseView lease = new LeaderLeaseView(mono.get() + 900_000_000L, 7, clocks.offsetAtLastCheck());
        assertTrue(lease.holds(7, clocks));
        assertFalse(lease.holds(8, clocks), "another term's lease");
        advance(1, 2_000); // suspended for two seconds: by the monotonic clock, 899 ms of lease are left
        assertFalse(lease.holds(7, clocks), "the followers' guards ran out in real time");
    }

    @Test
    void aPublishedLeaderLeaseEndsByTheMonotonicClock() {
        clocks.jumpedSinceLastCheck();
        LeaderLeaseView lease = new LeaderLeaseView(mono.get() + 900_000_000L, 7, clocks.offsetAtLastCheck());
        advance(899, 899);
        assertTrue(lease.holds(7, clocks));
        advance(1, 1);
        assertFalse(lease.holds(7, clocks));
        assertFalse(LeaderLeaseView.NONE.holds(0, clocks));
    }
}
