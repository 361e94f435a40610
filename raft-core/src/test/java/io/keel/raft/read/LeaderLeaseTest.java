package io.keel.raft.read;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeaderLeaseTest {

    @Test
    void aNewLeaseHoldsAtNoTime() {
        LeaderLease lease = new LeaderLease(1000);
        assertEquals(Long.MIN_VALUE, lease.expiresAt());
        assertFalse(lease.isValid(0));
        assertFalse(lease.isValid(Long.MIN_VALUE));
        assertFalse(lease.isValid(-1_000_000));
    }

    @Test
    void afterARestartOnlyRoundsSentSinceCount() {
        // Without notBefore, the round sent at 900 (before a suspension noticed at 1000) would restore the lease.
        LeaderLease lease = new LeaderLease(1000);
        lease.extendFrom(800);
        lease.restartAfter(1000);
        assertFalse(lease.isValid(1000));
        lease.extendFrom(900);
        assertEquals(Long.MIN_VALUE, lease.expiresAt(), "a round sent before the clock stopped proves nothing");
        lease.extendFrom(1000);
        assertEquals(2000, lease.expiresAt());
    }

    @Test
    void theLeaseRunsFromTheRoundsSendTimeAndEndsExclusively() {
        LeaderLease lease = new LeaderLease(1000);
        lease.extendFrom(500);
        assertEquals(1500, lease.expiresAt());
        assertTrue(lease.isValid(500));
        assertTrue(lease.isValid(1499));
        assertFalse(lease.isValid(1500), "the lease ends at sentAt + duration, exclusive");
        assertFalse(lease.isValid(2000));
    }

    @Test
    void aLateAnswerToAnOlderRoundNeverShortensTheLease() {
        LeaderLease lease = new LeaderLease(1000);
        lease.extendFrom(800);
        lease.extendFrom(300); // a late quorum for an older round
        assertEquals(1800, lease.expiresAt());
        assertTrue(lease.isValid(1700));
        lease.extendFrom(900);
        assertEquals(1900, lease.expiresAt());
    }

    @Test
    void aLeaseFromANegativeMonotonicTimeHolds() {
        LeaderLease lease = new LeaderLease(100);
        lease.extendFrom(-500);
        assertTrue(lease.isValid(-450));
        assertFalse(lease.isValid(-400));
    }

    @Test
    void aDroppedLeaseEndsAtOnceAndOnlyANewRoundEarnsItAgain() {
        LeaderLease lease = new LeaderLease(1000);
        lease.extendFrom(500);
        lease.drop();
        assertFalse(lease.isValid(600));
        assertEquals(Long.MIN_VALUE, lease.expiresAt());
        // It can be earned again, only from a new round.
        lease.extendFrom(700);
        assertTrue(lease.isValid(1600));
        assertFalse(lease.isValid(1700));
    }
}
