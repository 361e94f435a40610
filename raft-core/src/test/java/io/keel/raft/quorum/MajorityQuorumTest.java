package io.keel.raft.quorum;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.keel.raft.quorum.MajorityQuorum.Vote.GRANTED;
import static io.keel.raft.quorum.MajorityQuorum.Vote.MISSING;
import static io.keel.raft.quorum.MajorityQuorum.Vote.REJECTED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MajorityQuorumTest {

    static MajorityQuorum quorum(long... ids) {
        List<Long> list = new ArrayList<>();
        for (long id : ids) list.add(id);
        return MajorityQuorum.of(list);
    }

    /** Voters 1..n, voter i having value values[i-1]. */
    static long quorumValue(long... values) {
        long[] ids = new long[values.length];
        for (int i = 0; i < values.length; i++) ids[i] = i + 1;
        return quorum(ids).quorumValue(id -> values[(int) id - 1]);
    }

    @Test
    void votersAreSortedAndCountedOnce() {
        MajorityQuorum q = quorum(5, 1, 3, 1, 5);
        assertEquals(3, q.size());
        assertArrayEquals(new long[] {1, 3, 5}, q.ids());
        assertTrue(q.contains(3));
        assertFalse(q.contains(2));
        assertFalse(q.isEmpty());
        assertEquals("[1, 3, 5]", q.toString());
    }

    @Test
    void quorumsWithTheSameVotersAreEqual() {
        assertEquals(quorum(1, 2, 3), quorum(3, 2, 1));
        assertEquals(quorum(1, 2, 3).hashCode(), quorum(3, 1, 2).hashCode());
        assertFalse(quorum(1, 2, 3).equals(quorum(1, 2)));
        assertFalse(quorum(1, 2).equals(MajorityQuorum.empty()));
        assertEquals(MajorityQuorum.empty(), quorum());
        assertEquals(new JointQuorum(quorum(1, 2), quorum(2, 3)), new JointQuorum(quorum(2, 1), quorum(3, 2)));
        assertFalse(new JointQuorum(quorum(1, 2), quorum(2, 3)).equals(JointQuorum.simple(quorum(1, 2))));
    }

    @Test
    void changingTheReturnedIdsChangesNoQuorum() {
        MajorityQuorum q = quorum(1, 2, 3);
        q.ids()[0] = 99;
        assertArrayEquals(new long[] {1, 2, 3}, q.ids());
        assertFalse(q.contains(99));
    }

    @Test
    void anEmptyQuorumConstrainsNothing() {
        MajorityQuorum q = MajorityQuorum.of(List.of());
        assertSame(MajorityQuorum.empty(), q);
        assertTrue(q.isEmpty());
        assertEquals(0, q.size());
        assertFalse(q.contains(1));
        // No constraint: the other half of a joint quorum decides.
        assertEquals(Long.MAX_VALUE, q.quorumValue(id -> 7));
        assertEquals(VoteResult.WON, q.voteResult(id -> REJECTED));
    }

    @Test
    void aSingleVoterAloneDecidesTheQuorumValue() {
        assertEquals(0, quorumValue(0));
        assertEquals(9, quorumValue(9));
    }

    @Test
    void ofTwoVotersBothMustReachTheValue() {
        assertEquals(3, quorumValue(3, 10));
        assertEquals(3, quorumValue(10, 3));
        assertEquals(0, quorumValue(0, 10));
        assertEquals(4, quorumValue(4, 4));
    }

    @Test
    void ofThreeVotersTheValueIsTheMedian() {
        assertEquals(5, quorumValue(1, 5, 9));
        assertEquals(5, quorumValue(9, 1, 5));
        assertEquals(1, quorumValue(1, 1, 9));
        assertEquals(9, quorumValue(9, 1, 9));
        assertEquals(0, quorumValue(0, 0, 100));
    }

    @Test
    void ofFourVotersThreeMustReachTheValue() {
        // Sorted 1,2,3,4: three voters have >= 2, only two have >= 3.
        assertEquals(2, quorumValue(4, 3, 2, 1));
        assertEquals(7, quorumValue(7, 7, 7, 0));
        assertEquals(0, quorumValue(7, 7, 0, 0));
    }

    @Test
    void ofFiveVotersThreeMustReachTheValue() {
        assertEquals(3, quorumValue(1, 2, 3, 4, 5));
        assertEquals(8, quorumValue(8, 0, 9, 0, 10));
        assertEquals(0, quorumValue(8, 0, 9, 0, 0));
    }

    @Test
    void ofSixVotersFourMustReachTheValue() {
        assertEquals(3, quorumValue(6, 5, 4, 3, 2, 1));
        assertEquals(0, quorumValue(9, 9, 9, 0, 0, 0));
        assertEquals(9, quorumValue(9, 9, 9, 9, 0, 0));
    }

    @Test
    void ofSevenVotersFourMustReachTheValue() {
        assertEquals(4, quorumValue(7, 6, 5, 4, 3, 2, 1));
        assertEquals(9, quorumValue(9, 9, 9, 9, 0, 0, 0));
        assertEquals(0, quorumValue(9, 9, 9, 0, 0, 0, 0));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7})
    void theValueIsTheHighestThatAMajorityReaches(int n) {
        long[] values = new long[n];
        for (int i = 0; i < n; i++) values[i] = (i + 1) * 10L; // 10, 20, ..., 10n
        int majority = n / 2 + 1;
        // Exactly `majority` voters have >= the value at position n - majority (1-based: n - majority + 1).
        assertEquals((n - majority + 1) * 10L, quorumValue(values));
    }

    @Test
    void theValueAsksEachOfItsVotersOnceAndNoOneElse() {
        MajorityQuorum q = quorum(2, 4, 6);
        Map<Long, Integer> asked = new HashMap<>();
        q.quorumValue(id -> {
            asked.merge(id, 1, Integer::sum);
            return id;
        });
        assertEquals(Map.of(2L, 1, 4L, 1, 6L, 1), asked);
    }

    @Test
    void aSingleVoterAloneDecidesTheVote() {
        MajorityQuorum q = quorum(1);
        assertEquals(VoteResult.WON, q.voteResult(id -> GRANTED));
        assertEquals(VoteResult.LOST, q.voteResult(id -> REJECTED));
        assertEquals(VoteResult.PENDING, q.voteResult(id -> MISSING));
    }

    @Test
    void twoOfThreeVotesDecideAnElection() {
        MajorityQuorum q = quorum(1, 2, 3);
        assertEquals(VoteResult.WON, q.voteResult(votes(GRANTED, GRANTED, MISSING)));
        assertEquals(VoteResult.WON, q.voteResult(votes(GRANTED, REJECTED, GRANTED)));
        assertEquals(VoteResult.PENDING, q.voteResult(votes(GRANTED, MISSING, MISSING)));
        assertEquals(VoteResult.PENDING, q.voteResult(votes(GRANTED, REJECTED, MISSING)));
        assertEquals(VoteResult.LOST, q.voteResult(votes(GRANTED, REJECTED, REJECTED)));
        assertEquals(VoteResult.LOST, q.voteResult(votes(REJECTED, REJECTED, MISSING)));
        assertEquals(VoteResult.PENDING, q.voteResult(votes(MISSING, MISSING, MISSING)));
    }

    @Test
    void ofAnEvenNumberOfVotersHalfTheVotesDoNotWin() {
        MajorityQuorum two = quorum(1, 2);
        assertEquals(VoteResult.PENDING, two.voteResult(votes(GRANTED, MISSING)));
        assertEquals(VoteResult.LOST, two.voteResult(votes(GRANTED, REJECTED)));
        assertEquals(VoteResult.WON, two.voteResult(votes(GRANTED, GRANTED)));

        MajorityQuorum four = quorum(1, 2, 3, 4);
        // Half is not a majority.
        assertEquals(VoteResult.LOST, four.voteResult(votes(GRANTED, GRANTED, REJECTED, REJECTED)));
        assertEquals(VoteResult.PENDING, four.voteResult(votes(GRANTED, GRANTED, MISSING, REJECTED)));
        assertEquals(VoteResult.WON, four.voteResult(votes(GRANTED, GRANTED, GRANTED, REJECTED)));

        MajorityQuorum six = quorum(1, 2, 3, 4, 5, 6);
        assertEquals(VoteResult.LOST, six.voteResult(votes(GRANTED, GRANTED, GRANTED, REJECTED, REJECTED, REJECTED)));
        assertEquals(VoteResult.WON, six.voteResult(votes(GRANTED, GRANTED, GRANTED, GRANTED, REJECTED, REJECTED)));
        assertEquals(VoteResult.PENDING, six.voteResult(votes(GRANTED, GRANTED, GRANTED, MISSING, REJECTED, REJECTED)));
    }

    @Test
    void anElectionAsksOnlyItsVoters() {
        MajorityQuorum q = quorum(1, 2, 3);
        // Only voters 1..3 are asked; anything else would blow up.
        assertEquals(VoteResult.WON, q.voteResult(id -> {
            if (id < 1 || id > 3) throw new AssertionError("asked non-voter " + id);
            return id == 3 ? REJECTED : GRANTED;
        }));
    }

    /** Votes for voters 1..n in order. */
    static java.util.function.LongFunction<MajorityQuorum.Vote> votes(MajorityQuorum.Vote... v) {
        return id -> v[(int) id - 1];
    }
}
