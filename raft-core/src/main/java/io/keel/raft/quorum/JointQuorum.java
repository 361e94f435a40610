package io.keel.raft.quorum;

import java.util.function.LongFunction;
import java.util.function.LongUnaryOperator;

/**
 * The quorum of a configuration, which during a membership change is joint (thesis §4.3): a decision needs a
 * majority of the incoming voters AND a majority of the outgoing ones, so neither the old nor the new
 * configuration can decide alone while they overlap in time. Outside a change, outgoing is empty.
 */
public record JointQuorum(MajorityQuorum incoming, MajorityQuorum outgoing) {

    public static JointQuorum simple(MajorityQuorum voters) {
        return new JointQuorum(voters, MajorityQuorum.empty());
    }

    public boolean isJoint() {
        return !outgoing.isEmpty();
    }

    public boolean isVoter(long id) {
        return incoming.contains(id) || outgoing.contains(id);
    }

    /** The highest value reached by a quorum: the smaller of what each half has reached. */
    public long quorumValue(LongUnaryOperator valueOf) {
        long value = Math.min(incoming.quorumValue(valueOf), outgoing.quorumValue(valueOf));
        return value == Long.MAX_VALUE ? 0 : value;
    }

    public VoteResult voteResult(LongFunction<MajorityQuorum.Vote> vote) {
        VoteResult in = incoming.voteResult(vote);
        VoteResult out = outgoing.voteResult(vote);
        if (in == VoteResult.WON && out == VoteResult.WON) {
            return VoteResult.WON;
        }
        if (in == VoteResult.LOST || out == VoteResult.LOST) {
            return VoteResult.LOST;
        }
        return VoteResult.PENDING;
    }

    @Override
    public String toString() {
        return isJoint() ? incoming + "&&" + outgoing : incoming.toString();
    }
}
