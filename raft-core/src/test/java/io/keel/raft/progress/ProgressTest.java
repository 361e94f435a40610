package io.keel.raft.progress;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressTest {

    private static Progress progress(long next) {
        return new Progress(next, 4, 0);
    }

    /** A progress in REPLICATE with match = {@code match}. */
    private static Progress replicating(long match) {
        Progress p = progress(match + 1);
        if (match > 0) assertTrue(p.acknowledge(match));
        p.becomeReplicate();
        return p;
    }

    @Test
    void aNewFollowerIsProbedFromTheLeadersNextIndex() {
        Progress p = progress(11);
        assertEquals(ProgressState.PROBE, p.state());
        assertEquals(0, p.match());
        assertEquals(11, p.next());
        assertFalse(p.isPaused());
        assertEquals(0, p.lastHeardAt());
        assertEquals(0, p.roundAcked());
        assertEquals(0, p.pendingSnapshot());
    }

    // ------------------------------------------------------------------ PROBE

    @Test
    void aProbingFollowerIsSentOneAppendAtATime() {
        Progress p = progress(5);
        p.sentAppend(7, 100, true);
        assertTrue(p.isPaused());
        // In PROBE next does not move optimistically, and nothing is tracked in flight.
        assertEquals(5, p.next());
        assertEquals(0, p.inflights().count());
    }

    @Test
    void aProbingFollowerWaitsAfterAnEmptyAppendToo() {
        Progress p = progress(5);
        p.sentAppend(4, 0, false);
        assertTrue(p.isPaused());
    }

    @Test
    void aHeartbeatAnswerResumesProbing() {
        Progress p = progress(5);
        p.sentAppend(7, 100, true);
        p.resumeProbe();
        assertFalse(p.isPaused());
    }

    @Test
    void anAcknowledgementWhileProbingMovesMatchAndResumes() {
        Progress p = progress(5);
        p.sentAppend(7, 100, true);
        assertTrue(p.acknowledge(7));
        assertEquals(7, p.match());
        assertEquals(8, p.next());
        assertFalse(p.isPaused());
    }

    @Test
    void aRejectionWhileProbingMovesNextBackToTheHint() {
        Progress p = progress(10); // probing with prev index 9
        p.sentAppend(12, 30, true);
        // The follower's hint: the logs may agree at 5.
        assertTrue(p.rejected(9, 5));
        assertEquals(6, p.next());
        assertFalse(p.isPaused());
    }

    @Test
    void aRejectionWhoseHintIsAboveTheRejectedIndexMovesNextToTheRejectedIndex() {
        Progress p = progress(10);
        // A hint that does not move next back past the rejected index: next becomes the rejected index.
        assertTrue(p.rejected(9, 20));
        assertEquals(9, p.next());
    }

    @Test
    void rejectionInProbeNeverGoesBelowMatchPlusOne() {
        Progress p = progress(1);
        assertTrue(p.acknowledge(4));
        assertEquals(5, p.next());
        assertTrue(p.rejected(4, 0)); // the outstanding probe (next - 1 == 4), hint far below match
        assertEquals(5, p.next(), "next stays above match");
        assertEquals(4, p.match());
    }

    @Test
    void aRejectionOfAnOlderProbeIsIgnoredAndDoesNotResume() {
        Progress p = progress(10);
        p.sentAppend(12, 30, true);
        // An answer to an older probe at prev index 12: not the outstanding one.
        assertFalse(p.rejected(12, 3));
        assertEquals(10, p.next());
        assertTrue(p.isPaused(), "a stale rejection does not unpause");
        assertFalse(p.rejected(7, 3));
        assertEquals(10, p.next());
    }

    @Test
    void staleAcknowledgementIgnored() {
        Progress p = progress(1);
        assertTrue(p.acknowledge(8));
        p.becomeReplicate();
        p.sentAppend(12, 40, true);
        assertEquals(13, p.next());
        assertFalse(p.acknowledge(5));
        assertFalse(p.acknowledge(8));
        assertEquals(8, p.match());
        assertEquals(13, p.next());
        assertEquals(1, p.inflights().count());
        assertEquals(ProgressState.REPLICATE, p.state());
    }

    @Test
    void staleAcknowledgementDoesNotUnpauseProbe() {
        Progress p = progress(1);
        assertTrue(p.acknowledge(8));
        p.sentAppend(12, 40, true);
        assertFalse(p.acknowledge(6));
        assertTrue(p.isPaused());
    }

    @Test
    void acknowledgementBeyondNextMovesNext() {
        Progress p = progress(3);
        assertTrue(p.acknowledge(10));
        assertEquals(11, p.next());
    }

    // ------------------------------------------------------------------ REPLICATE

    @Test
    void switchingToReplicateSendsFromRightAfterMatch() {
        Progress p = progress(20);
        p.acknowledge(7);
        p.sentAppend(9, 1, true); // probe outstanding
        p.becomeReplicate();
        assertEquals(ProgressState.REPLICATE, p.state());
        assertEquals(8, p.next());
        assertFalse(p.isPaused());
    }

    @Test
    void aReplicatingFollowerIsSentAppendsUntilTheWindowIsFull() {
        Progress p = replicating(5);
        p.sentAppend(7, 10, true);
        assertEquals(8, p.next());
        p.sentAppend(9, 10, true);
        p.sentAppend(10, 10, true);
        assertFalse(p.isPaused());
        p.sentAppend(12, 10, true);
        assertEquals(13, p.next());
        assertTrue(p.isPaused(), "window of 4 is full");
        assertEquals(4, p.inflights().count());
        // An acknowledgement frees the window.
        assertTrue(p.acknowledge(9));
        assertEquals(2, p.inflights().count());
        assertFalse(p.isPaused());
        assertEquals(13, p.next());
    }

    @Test
    void replicationPausesWhileTheInFlightBytesFillTheWindow() {
        Progress p = new Progress(1, 100, 50);
        p.becomeReplicate();
        p.sentAppend(1, 30, true);
        assertFalse(p.isPaused());
        p.sentAppend(2, 30, true);
        assertTrue(p.isPaused());
        p.acknowledge(1);
        assertFalse(p.isPaused());
    }

    @Test
    void anEmptyAppendToAReplicatingFollowerTakesNoRoomInTheWindow() {
        Progress p = replicating(5);
        p.sentAppend(5, 0, false);
        assertEquals(6, p.next());
        assertEquals(0, p.inflights().count());
        assertFalse(p.isPaused());
    }

    @Test
    void rejectionInReplicateFallsBackToProbe() {
        Progress p = replicating(5);
        p.sentAppend(8, 10, true);
        p.sentAppend(10, 10, true);
        assertTrue(p.rejected(8, 2));
        assertEquals(ProgressState.PROBE, p.state());
        assertEquals(6, p.next());
        assertEquals(0, p.inflights().count());
        assertFalse(p.isPaused());
    }

    @Test
    void staleRejectionInReplicateIgnored() {
        Progress p = replicating(5);
        p.sentAppend(8, 10, true);
        // Rejection of an append whose prev index (5 or below) is already known to match.
        assertFalse(p.rejected(5, 0));
        assertFalse(p.rejected(3, 0));
        assertEquals(ProgressState.REPLICATE, p.state());
        assertEquals(9, p.next());
        assertEquals(1, p.inflights().count());
    }

    // ------------------------------------------------------------------ SNAPSHOT

    @Test
    void snapshotPausesAndForbidsAppends() {
        Progress p = replicating(3);
        p.sentAppend(5, 10, true);
        p.becomeSnapshot(100);
        assertEquals(ProgressState.SNAPSHOT, p.state());
        assertEquals(100, p.pendingSnapshot());
        assertTrue(p.isPaused());
        assertEquals(0, p.inflights().count());
        assertThrows(IllegalStateException.class, () -> p.sentAppend(6, 1, true));
    }

    @Test
    void afterASnapshotProbingResumesRightAfterIt() {
        Progress p = progress(3);
        p.becomeSnapshot(100);
        p.becomeProbe();
        assertEquals(ProgressState.PROBE, p.state());
        assertEquals(101, p.next());
        assertEquals(0, p.pendingSnapshot());
        assertFalse(p.isPaused());
    }

    @Test
    void afterASnapshotProbingResumesAfterAMatchBeyondIt() {
        Progress p = progress(3);
        p.becomeSnapshot(100);
        assertTrue(p.acknowledge(150));
        p.becomeProbe();
        assertEquals(151, p.next());
    }

    @Test
    void anAbortedSnapshotFallsBackToProbingFromMatch() {
        Progress p = progress(3);
        p.acknowledge(2);
        p.becomeSnapshot(100);
        p.abortSnapshot();
        assertEquals(ProgressState.PROBE, p.state());
        assertEquals(0, p.pendingSnapshot());
        assertEquals(3, p.next());
        assertFalse(p.isPaused());
    }

    @Test
    void anAcknowledgementDuringASnapshotMovesMatchButStaysPaused() {
        Progress p = progress(3);
        p.becomeSnapshot(100);
        assertTrue(p.acknowledge(100));
        assertEquals(100, p.match());
        // Still SNAPSHOT until the leader moves it on; still paused.
        assertEquals(ProgressState.SNAPSHOT, p.state());
        assertTrue(p.isPaused());
        p.becomeReplicate();
        assertEquals(101, p.next());
        assertFalse(p.isPaused());
    }

    @Test
    void rejectionDuringSnapshotOfOtherAppendIsStale() {
        Progress p = progress(10);
        p.becomeSnapshot(100);
        assertFalse(p.rejected(50, 1));
        assertEquals(ProgressState.SNAPSHOT, p.state());
        assertEquals(100, p.pendingSnapshot());
    }

    // ------------------------------------------------------------------ stall detection

    @Test
    void replicationStalledWhenNoAcknowledgementBetweenTwoHeartbeats() {
        Progress p = replicating(5);
        p.sentAppend(8, 10, true);
        assertFalse(p.replicationStalled(), "the first heartbeat answer only records what is in flight");
        assertTrue(p.replicationStalled(), "a whole heartbeat interval with the same append in flight and no ack");
    }

    @Test
    void anAppendSentSinceTheLastHeartbeatIsNotAStall() {
        Progress p = replicating(5);
        assertFalse(p.replicationStalled(), "nothing in flight at this heartbeat");
        p.sentAppend(8, 10, true);
        assertFalse(p.replicationStalled(), "sent after the previous heartbeat answer: may simply be on its way");
        assertTrue(p.replicationStalled(), "still unanswered one interval later");
    }

    @Test
    void aPartialAcknowledgementOfWhatWasInFlightIsStillAStall() {
        Progress p = replicating(5);
        p.sentAppend(8, 10, true);
        p.sentAppend(9, 10, true);
        assertFalse(p.replicationStalled());
        p.acknowledge(8);
        assertTrue(p.replicationStalled(), "index 9 was in flight a whole interval ago and is still unanswered");
    }

    @Test
    void replicationNotStalledWhenAcknowledgementsArrive() {
        Progress p = replicating(5);
        p.sentAppend(8, 10, true);
        p.sentAppend(9, 10, true);
        assertFalse(p.replicationStalled());
        p.acknowledge(9);
        p.sentAppend(10, 10, true);
        assertFalse(p.replicationStalled(), "everything in flight at the last heartbeat was acknowledged");
        p.acknowledge(10);
        assertFalse(p.replicationStalled(), "nothing in flight");
        assertFalse(p.replicationStalled(), "nothing in flight");
    }

    @Test
    void replicationStalledOnlyInReplicate() {
        Progress probe = progress(5);
        probe.sentAppend(6, 1, true);
        assertFalse(probe.replicationStalled());
        assertFalse(probe.replicationStalled());
        Progress snap = progress(5);
        snap.becomeSnapshot(50);
        assertFalse(snap.replicationStalled());
        assertFalse(snap.replicationStalled());
    }

    // ------------------------------------------------------------------ misc

    @Test
    void fallingBackToProbeForgetsTheWindowAndResumesAfterMatch() {
        Progress p = replicating(5);
        p.sentAppend(9, 1, true);
        p.becomeProbe();
        assertEquals(6, p.next());
        assertEquals(0, p.inflights().count());
        assertFalse(p.isPaused());
    }

    @Test
    void theAnsweredRoundNeverGoesBack() {
        Progress p = progress(1);
        p.ackRound(5);
        p.ackRound(3);
        assertEquals(5, p.roundAcked());
        p.ackRound(6);
        assertEquals(6, p.roundAcked());
    }

    @Test
    void lastHeardAtRecordsTheLatestContact() {
        Progress p = progress(1);
        p.heardAt(-500);
        assertEquals(-500, p.lastHeardAt());
        p.heardAt(700);
        assertEquals(700, p.lastHeardAt());
    }

    @Test
    void matchStaysBelowNextWhateverHappens() {
        java.util.Random rnd = new java.util.Random(42);
        for (int iter = 0; iter < 200; iter++) {
            Progress p = new Progress(1 + rnd.nextInt(5), 3, 0);
            long last = 20;
            for (int step = 0; step < 60; step++) {
                switch (rnd.nextInt(7)) {
                    case 0 -> p.acknowledge(rnd.nextInt((int) last + 1));
                    case 1 -> p.rejected(rnd.nextInt((int) last + 1), rnd.nextInt((int) last + 1));
                    case 2 -> p.becomeProbe();
                    case 3 -> {
                        if (p.state() != ProgressState.SNAPSHOT) p.becomeReplicate();
                    }
                    case 4 -> p.becomeSnapshot(rnd.nextInt((int) last + 1));
                    case 5 -> {
                        if (p.state() == ProgressState.REPLICATE && !p.isPaused() && p.next() <= last) {
                            p.sentAppend(p.next() + rnd.nextInt((int) (last - p.next() + 1)), 1, true);
                        } else if (p.state() == ProgressState.PROBE) {
                            p.sentAppend(p.next(), 1, true);
                        }
                    }
                    default -> p.abortSnapshot();
                }
                assertTrue(p.match() < p.next(), "match < next violated: " + p);
            }
        }
    }

    @Test
    void printsItsStatePositionsAndWhatIsInFlight() {
        Progress p = replicating(3);
        p.sentAppend(4, 1, true);
        assertEquals("REPLICATE match=3 next=5 inflight=1", p.toString());
        p.becomeSnapshot(9);
        assertEquals("SNAPSHOT match=3 next=5 snapshot=9", p.toString());
    }
}
