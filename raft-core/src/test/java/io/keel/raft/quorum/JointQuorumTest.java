package io.keel.raft.quorum;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.keel.raft.quorum.MajorityQuorum.Vote.GRANTED;
import static io.keel.raft.quorum.MajorityQuorum.Vote.MISSING;
import static io.keel.raft.quorum.MajorityQuorum.Vote.REJECTED;
import static io.keel.raft.quorum.MajorityQuorumTest.quorum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JointQuorumTest {

    private static java.util.function.LongFunction<MajorityQuorum.Vote> votes(Map<Long, MajorityQuorum.Vote> m) {
        return id -> m.getOrDefault(id, MISSING);
    }

    @Test
    void aSimpleQuorumIsNotJoint() {
        JointQuorum q = JointQuorum.simple(quorum(1, 2, 3));
        assertFalse(q.isJoint());
        assertTrue(q.isVoter(2));
        assertFalse(q.isVoter(4));
        assertEquals("[1, 2, 3]", q.toString());
    }

    @Test
    void emptyOutgoingIsDecidedByIncomingAlone() {
        JointQuorum q = JointQuorum.simple(quorum(1, 2, 3));
        Map<Long, Long> match = Map.of(1L, 5L, 2L, 4L, 3L, 1L);
        assertEquals(4, q.quorumValue(match::get));
        assertEquals(VoteResult.WON, q.voteResult(votes(Map.of(1L, GRANTED, 2L, GRANTED))));
        assertEquals(VoteResult.LOST, q.voteResult(votes(Map.of(1L, REJECTED, 2L, REJECTED))));
        assertEquals(VoteResult.PENDING, q.voteResult(votes(Map.of(1L, GRANTED))));
    }

    @Test
    void theVotersOfAJointQuorumAreBothHalves() {
        JointQuorum q = new JointQuorum(quorum(1, 2, 3), quorum(3, 4, 5));
        assertTrue(q.isJoint());
        for (long id = 1; id <= 5; id++) assertTrue(q.isVoter(id), "voter " + id);
        assertFalse(q.isVoter(6));
        assertEquals("[1, 2, 3]&&[3, 4, 5]", q.toString());
    }

    @Test
    void aJointValueIsTheLowerOfTheTwoHalves() {
        JointQuorum q = new JointQuorum(quorum(1, 2, 3), quorum(4, 5, 6));
        // incoming reaches 8 (1 and 2), outgoing only 3 (5 and 6).
        Map<Long, Long> match = Map.of(1L, 9L, 2L, 8L, 3L, 0L, 4L, 1L, 5L, 3L, 6L, 7L);
        assertEquals(8, quorumOf(quorum(1, 2, 3), match));
        assertEquals(3, quorumOf(quorum(4, 5, 6), match));
        assertEquals(3, q.quorumValue(match::get));
        // Swapped roles: still the minimum.
        assertEquals(3, new JointQuorum(quorum(4, 5, 6), quorum(1, 2, 3)).quorumValue(match::get));
    }

    private static long quorumOf(MajorityQuorum q, Map<Long, Long> match) {
        return q.quorumValue(match::get);
    }

    @Test
    void aValueOnTheOldMajorityAloneIsNotCommittedWhileJoint() {
        // Old {1,2,3}, new {1,4,5}: a value replicated on 1,2,3 alone is committed in the old config only.
        JointQuorum q = new JointQuorum(quorum(1, 4, 5), quorum(1, 2, 3));
        Map<Long, Long> match = Map.of(1L, 10L, 2L, 10L, 3L, 10L, 4L, 2L, 5L, 0L);
        assertEquals(2, q.quorumValue(match::get));
    }

    @Test
    void twoEmptyHalvesReachNothing() {
        JointQuorum q = new JointQuorum(MajorityQuorum.empty(), MajorityQuorum.empty());
        assertEquals(0, q.quorumValue(id -> 5));
    }

    @Test
    void aJointElectionIsWonOnlyWithAMajorityOfEachHalf() {
        JointQuorum q = new JointQuorum(quorum(1, 2, 3), quorum(4, 5, 6));
        // A majority of incoming only.
        assertEquals(VoteResult.PENDING, q.voteResult(votes(Map.of(1L, GRANTED, 2L, GRANTED))));
        // A majority of outgoing only.
        assertEquals(VoteResult.PENDING, q.voteResult(votes(Map.of(4L, GRANTED, 5L, GRANTED))));
        // Both.
        assertEquals(VoteResult.WON, q.voteResult(votes(Map.of(1L, GRANTED, 2L, GRANTED, 4L, GRANTED, 6L, GRANTED))));
        // Incoming won but outgoing lost: lost.
        assertEquals(VoteResult.LOST, q.voteResult(votes(Map.of(1L, GRANTED, 2L, GRANTED,
                4L, REJECTED, 5L, REJECTED))));
        // Incoming lost, outgoing still pending: lost.
        assertEquals(VoteResult.LOST, q.voteResult(votes(Map.of(1L, REJECTED, 2L, REJECTED, 4L, GRANTED))));
        // Nobody answered.
        assertEquals(VoteResult.PENDING, q.voteResult(id -> MISSING));
        // Everyone rejected.
        assertEquals(VoteResult.LOST, q.voteResult(id -> REJECTED));
    }

    @Test
    void sharedVoterCountsInBothHalves() {
        JointQuorum q = new JointQuorum(quorum(1, 2, 3), quorum(1, 2, 4));
        assertEquals(VoteResult.WON, q.voteResult(votes(Map.of(1L, GRANTED, 2L, GRANTED))));
        assertEquals(VoteResult.PENDING, q.voteResult(votes(Map.of(1L, GRANTED, 3L, GRANTED))));
        assertEquals(VoteResult.WON, q.voteResult(votes(Map.of(1L, GRANTED, 3L, GRANTED, 4L, GRANTED))));
    }
}
