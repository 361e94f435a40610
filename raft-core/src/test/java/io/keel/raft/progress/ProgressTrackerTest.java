package io.keel.raft.progress;

import io.keel.raft.membership.Configuration;
import io.keel.raft.proto.ConfState;
import io.keel.raft.quorum.VoteResult;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressTrackerTest {

    private static Configuration simple(List<Long> voters, List<Long> learners) {
        return Configuration.fromConfState(ConfState.newBuilder().addAllVoters(voters).addAllLearners(learners).build());
    }

    private static Configuration joint(List<Long> incoming, List<Long> outgoing) {
        return Configuration.fromConfState(ConfState.newBuilder().addAllVoters(incoming).addAllVotersOutgoing(outgoing)
                .build());
    }

    private static ProgressTracker tracker(Configuration c) {
        ProgressTracker t = new ProgressTracker(c, 8, 0);
        t.resetProgress(1);
        return t;
    }

    private static void match(ProgressTracker t, long id, long index) {
        t.get(id).acknowledge(index);
    }

    @Test
    void aNewLeaderProbesEveryMemberFromItsNextIndex() {
        ProgressTracker t = tracker(simple(List.of(1L, 2L, 3L), List.of(4L)));
        assertEquals(Set.of(1L, 2L, 3L, 4L), t.all().keySet());
        for (Progress p : t.all().values()) {
            assertEquals(1, p.next());
            assertEquals(0, p.match());
            assertEquals(ProgressState.PROBE, p.state());
        }
        assertThrows(UnsupportedOperationException.class, () -> t.all().clear());
        match(t, 2, 5);
        t.resetProgress(10);
        assertEquals(0, t.get(2).match());
        assertEquals(10, t.get(2).next());
    }

    @Test
    void theReportedCommitOfAQuorumCountsVotersOnlyAndNeverGoesBack() {
        // A removed leader (1) waits for this before handing over: 2 and 3 are the voters that remain.
        ProgressTracker t = tracker(simple(List.of(2L, 3L), List.of(4L)));
        assertEquals(0, t.quorumCommitReported());
        t.get(2).reportedCommit(7);
        t.get(4).reportedCommit(9); // a learner's report counts for nothing
        assertEquals(0, t.quorumCommitReported(), "3 has reported nothing: no majority of {2,3} knows index 7");
        t.get(3).reportedCommit(5);
        assertEquals(5, t.quorumCommitReported());
        t.get(3).reportedCommit(3); // an older answer arriving late
        assertEquals(5, t.quorumCommitReported());
        ProgressTracker joint = tracker(joint(List.of(2L, 3L), List.of(1L, 2L)));
        joint.get(2).reportedCommit(8);
        joint.get(3).reportedCommit(8);
        assertEquals(0, joint.quorumCommitReported(), "the outgoing half {1,2} has no majority at 8 without 1");
    }

    @Test
    void theCommittedIndexIsTheHighestMatchOfAMajority() {
        ProgressTracker t = tracker(simple(List.of(1L, 2L, 3L), List.of()));
        assertEquals(0, t.committedIndex());
        match(t, 1, 10);
        assertEquals(0, t.committedIndex());
        match(t, 3, 7);
        assertEquals(7, t.committedIndex());
        match(t, 2, 12);
        assertEquals(10, t.committedIndex());
    }

    @Test
    void learnersDoNotCountForCommit() {
        ProgressTracker t = tracker(simple(List.of(1L, 2L, 3L), List.of(4L, 5L)));
        match(t, 1, 10);
        match(t, 4, 10);
        match(t, 5, 10);
        assertEquals(0, t.committedIndex());
        match(t, 2, 6);
        assertEquals(6, t.committedIndex());
    }

    @Test
    void aJointCommitNeedsAMajorityOfEachHalf() {
        // Moving from {1,2,3} to {3,4,5}.
        ProgressTracker t = tracker(joint(List.of(3L, 4L, 5L), List.of(1L, 2L, 3L)));
        assertEquals(Set.of(1L, 2L, 3L, 4L, 5L), t.all().keySet());
        match(t, 1, 10);
        match(t, 2, 10);
        // The old majority alone.
        assertEquals(0, t.committedIndex());
        match(t, 4, 8);
        match(t, 5, 9);
        // New majority {4,5} at 8, old majority {1,2} at 10: min is 8.
        assertEquals(8, t.committedIndex());
        match(t, 3, 4);
        assertEquals(8, t.committedIndex());
        match(t, 4, 20);
        match(t, 5, 20);
        assertEquals(10, t.committedIndex(), "now limited by the outgoing half");
    }

    @Test
    void theQuorumRoundIsTheHighestRoundAMajorityOfVotersAnswered() {
        ProgressTracker t = tracker(simple(List.of(1L, 2L, 3L), List.of(4L)));
        t.get(1).ackRound(5);
        t.get(4).ackRound(5); // learner: does not count
        assertEquals(0, t.quorumRound());
        t.get(2).ackRound(4);
        assertEquals(4, t.quorumRound());
        t.get(3).ackRound(7);
        assertEquals(5, t.quorumRound());
    }

    @Test
    void aJointQuorumRoundNeedsAMajorityOfEachHalf() {
        ProgressTracker t = tracker(joint(List.of(1L, 2L, 3L), List.of(4L, 5L, 6L)));
        t.get(1).ackRound(3);
        t.get(2).ackRound(3);
        assertEquals(0, t.quorumRound());
        t.get(4).ackRound(2);
        t.get(5).ackRound(9);
        assertEquals(2, t.quorumRound());
    }

    @Test
    void quorumActiveCountsSelfAndThoseHeardWithinTheWindow() {
        ProgressTracker t = tracker(simple(List.of(1L, 2L, 3L, 4L, 5L), List.of(6L)));
        long window = 100;
        t.heardFromAll(0);
        assertTrue(t.quorumActive(1, 99, window), "a new leader gives everyone a full window");
        assertFalse(t.quorumActive(1, 100, window), "after the window only self counts");
        t.get(2).heardAt(50);
        t.get(6).heardAt(120); // learner: does not count
        assertFalse(t.quorumActive(1, 120, window));
        t.get(5).heardAt(110);
        assertTrue(t.quorumActive(1, 120, window), "self, 2 and 5 are a majority of five");
        assertFalse(t.quorumActive(1, 150, window), "2 was last heard at 50: out of the window at 150");
    }

    @Test
    void checkQuorumCountsTheLeaderItselfWithoutHearingFromIt() {
        ProgressTracker t = tracker(simple(List.of(1L, 2L, 3L), List.of()));
        t.get(2).heardAt(1_000);
        assertTrue(t.quorumActive(1, 1_050, 100));
    }

    @Test
    void checkQuorumInAJointConfigurationNeedsBothHalves() {
        ProgressTracker t = tracker(joint(List.of(1L, 2L, 3L), List.of(1L, 4L, 5L)));
        t.get(2).heardAt(1_000);
        assertFalse(t.quorumActive(1, 1_050, 100), "incoming has a quorum, outgoing does not");
        t.get(4).heardAt(1_000);
        assertTrue(t.quorumActive(1, 1_050, 100));
    }

    @Test
    void aMajorityOfGrantedVotesWinsAndLearnersDoNotVote() {
        ProgressTracker t = tracker(simple(List.of(1L, 2L, 3L), List.of(4L)));
        assertEquals(VoteResult.PENDING, t.tallyVotes());
        t.recordVote(1, true);
        t.recordVote(4, true); // a learner's vote is ignored
        assertEquals(VoteResult.PENDING, t.tallyVotes());
        t.recordVote(2, false);
        assertEquals(VoteResult.PENDING, t.tallyVotes());
        t.recordVote(3, true);
        assertEquals(VoteResult.WON, t.tallyVotes());
    }

    @Test
    void aMajorityOfRejectionsLoses() {
        ProgressTracker t = tracker(simple(List.of(1L, 2L, 3L), List.of()));
        t.recordVote(1, true);
        t.recordVote(2, false);
        t.recordVote(3, false);
        assertEquals(VoteResult.LOST, t.tallyVotes());
    }

    @Test
    void onlyTheFirstVoteOfEachVoterCounts() {
        ProgressTracker t = tracker(simple(List.of(1L, 2L, 3L), List.of()));
        t.recordVote(1, true);
        t.recordVote(2, false);
        t.recordVote(2, true); // a duplicate, flipped answer is ignored
        assertEquals(VoteResult.PENDING, t.tallyVotes());
        t.recordVote(3, false);
        assertEquals(VoteResult.LOST, t.tallyVotes());
    }

    @Test
    void aNewElectionForgetsEveryEarlierVote() {
        ProgressTracker t = tracker(simple(List.of(1L, 2L, 3L), List.of()));
        t.recordVote(1, true);
        t.recordVote(2, true);
        assertEquals(VoteResult.WON, t.tallyVotes());
        t.resetVotes();
        assertEquals(VoteResult.PENDING, t.tallyVotes());
        t.recordVote(2, false);
        assertEquals(VoteResult.PENDING, t.tallyVotes());
    }

    @Test
    void aJointElectionNeedsAMajorityOfEachHalf() {
        ProgressTracker t = tracker(joint(List.of(1L, 2L, 3L), List.of(1L, 4L, 5L)));
        t.recordVote(1, true);
        t.recordVote(2, true);
        assertEquals(VoteResult.PENDING, t.tallyVotes());
        t.recordVote(4, false);
        t.recordVote(5, false);
        assertEquals(VoteResult.LOST, t.tallyVotes());
        t.resetVotes();
        t.recordVote(1, true);
        t.recordVote(2, true);
        t.recordVote(5, true);
        assertEquals(VoteResult.WON, t.tallyVotes());
    }

    @Test
    void aNewConfigurationKeepsTheProgressOfMembersItKeepsAndProbesNewOnes() {
        ProgressTracker t = tracker(simple(List.of(1L, 2L, 3L), List.of()));
        match(t, 2, 7);
        Progress two = t.get(2);
        Configuration next = simple(List.of(1L, 2L, 4L), List.of(5L));
        t.setConfiguration(next, 20);
        assertSame(next, t.configuration());
        assertEquals(Set.of(1L, 2L, 4L, 5L), t.all().keySet());
        assertSame(two, t.get(2));
        assertEquals(7, t.get(2).match());
        assertEquals(20, t.get(4).next());
        assertEquals(20, t.get(5).next());
        assertNull(t.get(3));
        assertNotNull(t.get(1));
    }

    @Test
    void aMemberRemovedAndAddedAgainStartsFromNothing() {
        ProgressTracker t = tracker(simple(List.of(1L, 2L, 3L), List.of()));
        match(t, 3, 9);
        Progress old = t.get(3);
        t.setConfiguration(simple(List.of(1L, 2L), List.of()), 10);
        t.setConfiguration(simple(List.of(1L, 2L, 3L), List.of()), 30);
        assertNotSame(old, t.get(3));
        assertEquals(0, t.get(3).match());
        assertEquals(30, t.get(3).next());
    }

    @Test
    void aTrackerWithoutProgressCommitsNothingAndSeesOnlyItselfActive() {
        // A tracker whose progress was never reset: every match reads as 0.
        ProgressTracker t = new ProgressTracker(simple(List.of(1L, 2L, 3L), List.of()), 8, 0);
        assertEquals(0, t.committedIndex());
        assertEquals(0, t.quorumRound());
        assertNull(t.get(1));
        assertFalse(t.quorumActive(1, 0, 100), "only self is active");
    }

    @Test
    void eachFollowersWindowHasTheTrackersMessageAndByteLimits() {
        ProgressTracker t = new ProgressTracker(simple(List.of(1L, 2L), List.of()), 2, 100);
        t.resetProgress(1);
        Progress p = t.get(2);
        p.becomeReplicate();
        p.sentAppend(1, 10, true);
        assertFalse(p.isPaused());
        p.sentAppend(2, 10, true);
        assertTrue(p.isPaused(), "count window of 2");
        ProgressTracker bytes = new ProgressTracker(simple(List.of(1L, 2L), List.of()), 10, 100);
        bytes.resetProgress(1);
        Progress q = bytes.get(2);
        q.becomeReplicate();
        q.sentAppend(1, 100, true);
        assertTrue(q.isPaused(), "byte window of 100");
    }
}
