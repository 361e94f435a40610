package io.keel.raft.read;

import io.keel.raft.read.ReadRounds.Confirmation;
import io.keel.raft.read.ReadRounds.PendingRead;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadRoundsTest {

    private static List<Long> ids(Confirmation c) {
        return c.reads().stream().map(PendingRead::readId).toList();
    }

    @Test
    void roundsAreNumberedFromOne() {
        ReadRounds r = new ReadRounds();
        assertEquals(0, r.current());
        assertEquals(1, r.startRound(100, true));
        assertEquals(2, r.startRound(200, true));
        assertEquals(2, r.current());
    }

    @Test
    void aReadWaitsForTheRoundAfterTheOneInFlight() {
        ReadRounds r = new ReadRounds();
        r.startRound(10, true);
        r.addRead(7, 0, 42);
        assertTrue(r.roundWanted());
        // A quorum answer of the round that was already in flight confirms nothing.
        Confirmation c = r.confirm(1);
        assertTrue(c.reads().isEmpty());
        assertEquals(2, r.startRound(20, true));
        assertFalse(r.roundWanted());
        c = r.confirm(2);
        assertEquals(1, c.reads().size());
        PendingRead read = c.reads().get(0);
        assertEquals(new PendingRead(7, 0, 42, 2), read);
        assertTrue(r.abandon().isEmpty(), "no read is left waiting");
    }

    @Test
    void olderRoundQuorumDoesNotConfirmNewerRead() {
        // etcd-io/raft#397: a late quorum of heartbeat answers sent before a read arrived must not confirm it.
        ReadRounds r = new ReadRounds();
        r.startRound(0, true);  // round 1
        r.startRound(5, true);  // round 2, still unanswered
        r.addRead(1, 0, 10);    // needs round 3
        assertTrue(r.confirm(1).reads().isEmpty());
        assertTrue(r.confirm(2).reads().isEmpty());
        r.startRound(9, true);  // round 3
        assertTrue(r.confirm(2).reads().isEmpty(), "round 2 answers again: still not enough");
        assertEquals(List.of(1L), ids(r.confirm(3)));
    }

    @Test
    void aQuorumBeforeAnyRoundConfirmsNothing() {
        ReadRounds r = new ReadRounds();
        r.addRead(1, 0, 5);
        assertSame(Confirmation.NONE, r.confirm(0));
        assertEquals(List.of(new PendingRead(1, 0, 5, 1)), r.abandon(), "the read still waits for round 1");
    }

    @Test
    void oneRoundConfirmsManyReadsInArrivalOrder() {
        ReadRounds r = new ReadRounds();
        for (long i = 1; i <= 100; i++) r.addRead(i, i % 3, 50 + i);
        long round = r.startRound(0, true);
        assertEquals(1, round);
        Confirmation c = r.confirm(round);
        assertEquals(100, c.reads().size());
        for (int i = 0; i < 100; i++) {
            PendingRead p = c.reads().get(i);
            assertEquals(i + 1, p.readId(), "reads are confirmed in arrival order");
            assertEquals((i + 1) % 3, p.from());
            assertEquals(51 + i, p.index());
            assertEquals(1, p.round());
        }
        assertSame(Confirmation.NONE, r.confirm(round), "nothing is confirmed twice");
        assertTrue(r.abandon().isEmpty(), "no read is left waiting");
    }

    @Test
    void laterRoundConfirmsEveryEarlierRead() {
        ReadRounds r = new ReadRounds();
        r.addRead(1, 0, 1);
        r.startRound(0, true); // 1
        r.addRead(2, 0, 2);
        r.startRound(1, true); // 2
        r.addRead(3, 0, 3);
        r.startRound(2, true); // 3
        r.addRead(4, 0, 4);    // needs 4
        Confirmation c = r.confirm(3);
        assertEquals(List.of(1L, 2L, 3L), ids(c));
        assertTrue(r.roundWanted());
        assertEquals(List.of(new PendingRead(4, 0, 4, 4)), r.abandon(), "read 4 still waits for round 4");
    }

    @Test
    void aQuorumOfAnEarlierRoundConfirmsOnlyTheReadsWaitingForIt() {
        ReadRounds r = new ReadRounds();
        r.addRead(1, 0, 1);
        r.startRound(0, true); // 1
        r.addRead(2, 0, 2);
        r.addRead(3, 0, 2);
        r.startRound(1, true); // 2
        assertEquals(List.of(1L), ids(r.confirm(1)));
        assertEquals(List.of(2L, 3L), ids(r.confirm(2)));
    }

    @Test
    void roundWantedTracksReadsWaitingForAnUnstartedRound() {
        ReadRounds r = new ReadRounds();
        assertFalse(r.roundWanted());
        r.startRound(0, true);
        assertFalse(r.roundWanted(), "a heartbeat round without reads does not create a want");
        r.addRead(1, 0, 1);
        assertTrue(r.roundWanted());
        r.startRound(1, true);
        assertFalse(r.roundWanted());
    }

    // ------------------------------------------------------------------ lease

    @Test
    void leaseFromIsTheLatestConfirmedEligibleSendTime() {
        ReadRounds r = new ReadRounds();
        r.startRound(100, true); // 1
        r.startRound(200, true); // 2
        r.startRound(300, true); // 3
        Confirmation c = r.confirm(2);
        assertTrue(c.reads().isEmpty());
        assertEquals(200, c.leaseFrom());
        // Round 1 and 2 are gone; confirming 2 again gives nothing.
        assertSame(Confirmation.NONE, r.confirm(2));
        assertEquals(300, r.confirm(3).leaseFrom());
    }

    @Test
    void aRoundSentAtTimeZeroStillGivesALease() {
        ReadRounds r = new ReadRounds();
        r.startRound(0, true);
        assertEquals(0, r.confirm(1).leaseFrom());
    }

    @Test
    void ineligibleRoundsNeverGiveLeaseFrom() {
        ReadRounds r = new ReadRounds();
        r.startRound(100, false);
        r.addRead(1, 0, 5);
        r.startRound(200, false);
        Confirmation c = r.confirm(2);
        assertEquals(List.of(1L), ids(c), "reads are still confirmed by ineligible rounds");
        assertEquals(ReadRounds.Confirmation.NO_LEASE, c.leaseFrom());
    }

    @Test
    void mixedEligibilityUsesOnlyEligibleRounds() {
        ReadRounds r = new ReadRounds();
        r.startRound(100, true);  // 1
        r.startRound(200, false); // 2: during a transfer
        Confirmation c = r.confirm(2);
        assertEquals(100, c.leaseFrom());
    }

    // ------------------------------------------------------------------ abandon

    @Test
    void leadershipLostHandsBackTheWaitingReadsAndForgetsTheRounds() {
        ReadRounds r = new ReadRounds();
        r.startRound(100, true); // 1
        r.addRead(1, 0, 10);
        r.addRead(2, 5, 11);
        List<PendingRead> dropped = r.abandon();
        assertEquals(List.of(new PendingRead(1, 0, 10, 2), new PendingRead(2, 5, 11, 2)), dropped);
        assertFalse(r.roundWanted());
        // The unanswered round is forgotten: a late quorum for it gives no lease.
        assertSame(Confirmation.NONE, r.confirm(1));
        assertTrue(r.abandon().isEmpty());
    }

    @Test
    void roundNumbersKeepIncreasingAfterAbandon() {
        ReadRounds r = new ReadRounds();
        r.startRound(0, true);
        r.startRound(1, true);
        r.abandon();
        // Never reuse a number: an old answer must not be taken for a new round.
        assertEquals(3, r.startRound(2, true));
        r.addRead(1, 0, 1);
        assertTrue(r.confirm(3).reads().isEmpty());
        r.startRound(3, true);
        assertEquals(List.of(1L), ids(r.confirm(4)));
    }

    // ------------------------------------------------------------------ randomized

    /**
     * A model check: with rounds and reads interleaved at random and quorum answers arriving late and out of
     * order, a read is confirmed exactly when some round started after it was added has been answered by a
     * quorum, and never before.
     */
    @Test
    void randomizedReadIsConfirmedOnlyByARoundStartedAfterIt() {
        Random rnd = new Random(397);
        for (int iter = 0; iter < 300; iter++) {
            ReadRounds r = new ReadRounds();
            java.util.Map<Long, Long> roundAtAdd = new java.util.HashMap<>(); // readId -> current when added
            java.util.Set<Long> confirmed = new java.util.HashSet<>();
            long nextRead = 1;
            long quorum = 0;
            for (int step = 0; step < 80; step++) {
                switch (rnd.nextInt(3)) {
                    case 0 -> {
                        roundAtAdd.put(nextRead, r.current());
                        r.addRead(nextRead++, 0, 0);
                    }
                    case 1 -> r.startRound(step, rnd.nextBoolean());
                    default -> {
                        // A quorum answer for some round already started (possibly older than the last one seen).
                        if (r.current() == 0) break;
                        long answered = 1 + rnd.nextInt((int) r.current());
                        quorum = Math.max(quorum, answered); // quorumRound is monotonic in the tracker
                        for (PendingRead p : r.confirm(quorum).reads()) {
                            assertTrue(quorum > roundAtAdd.get(p.readId()),
                                    "read " + p.readId() + " added at round " + roundAtAdd.get(p.readId())
                                            + " confirmed by quorum round " + quorum);
                            assertTrue(confirmed.add(p.readId()), "confirmed twice");
                        }
                        // ...and every read whose round a quorum has reached is released now, not later.
                        for (var e : roundAtAdd.entrySet()) {
                            if (e.getValue() < quorum) {
                                assertTrue(confirmed.contains(e.getKey()), "read " + e.getKey() + " held back");
                            }
                        }
                    }
                }
            }
            long finalRound = r.startRound(1000, true);
            r.confirm(finalRound);
            assertTrue(r.abandon().isEmpty(), "a read was left waiting after the final round");
        }
    }

    @Test
    void aRoundSentAtANegativeMonotonicTimeStillExtendsTheLease() {
        // System.nanoTime() may be negative; "no lease" must not be confused with a real send time.
        ReadRounds rounds = new ReadRounds();
        long round = rounds.startRound(-5_000, true);
        ReadRounds.Confirmation c = rounds.confirm(round);
        assertEquals(-5_000, c.leaseFrom());
    }
}
