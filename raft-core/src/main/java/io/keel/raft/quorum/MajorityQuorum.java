package io.keel.raft.quorum;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongUnaryOperator;

/**
 * One set of voters and the arithmetic of its majority. Everything Raft decides by counting (commit, votes,
 * confirmation rounds, check-quorum) is a question put to this class, so the counting lives in one place.
 */
public final class MajorityQuorum {
    private static final MajorityQuorum EMPTY = new MajorityQuorum(new long[0]);

    private final long[] voters;

    private MajorityQuorum(long[] sortedVoters) {
        this.voters = sortedVoters;
    }

    public static MajorityQuorum of(Iterable<Long> ids) {
        Set<Long> set = new TreeSet<>();
        ids.forEach(set::add);
        return set.isEmpty() ? EMPTY : new MajorityQuorum(set.stream().mapToLong(Long::longValue).toArray());
    }

    public static MajorityQuorum empty() {
        return EMPTY;
    }

    public boolean isEmpty() {
        return voters.length == 0;
    }

    public int size() {
        return voters.length;
    }

    public boolean contains(long id) {
        return Arrays.binarySearch(voters, id) >= 0;
    }

    public long[] ids() {
        return voters.clone();
    }

    /**
     * The highest value that a majority has reached, given each voter's value (a match index, an acknowledged
     * round). An empty quorum imposes no constraint, so a joint quorum with an empty half is decided by the other.
     */
    public long quorumValue(LongUnaryOperator valueOf) {
        if (voters.length == 0) {
            return Long.MAX_VALUE;
        }
        long[] values = new long[voters.length];
        for (int i = 0; i < voters.length; i++) {
            values[i] = valueOf.applyAsLong(voters[i]);
        }
        Arrays.sort(values);
        // Sorted ascending, the element at position n - (n/2 + 1) is reached by n/2 + 1 voters: a majority.
        return values[voters.length - (voters.length / 2 + 1)];
    }

    /** Counts a vote; {@code vote} answers GRANTED, REJECTED or MISSING for each voter. */
    public VoteResult voteResult(java.util.function.LongFunction<Vote> vote) {
        if (voters.length == 0) {
            return VoteResult.WON;
        }
        int granted = 0;
        int missing = 0;
        for (long id : voters) {
            switch (vote.apply(id)) {
                case GRANTED -> granted++;
                case MISSING -> missing++;
                case REJECTED -> { }
            }
        }
        int majority = voters.length / 2 + 1;
        if (granted >= majority) {
            return VoteResult.WON;
        }
        if (granted + missing >= majority) {
            return VoteResult.PENDING;
        }
        return VoteResult.LOST;
    }

    /** Equal when the voters are: JointQuorum and Configuration are records, whose equality rests on this. */
    @Override
    public boolean equals(Object o) {
        return o instanceof MajorityQuorum other && Arrays.equals(voters, other.voters);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(voters);
    }

    @Override
    public String toString() {
        return Arrays.toString(voters);
    }

    public enum Vote { GRANTED, REJECTED, MISSING }
}
