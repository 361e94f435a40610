package io.keel.raft.membership;

import io.keel.raft.proto.ConfState;
import io.keel.raft.quorum.JointQuorum;
import io.keel.raft.quorum.MajorityQuorum;

import java.util.Set;
import java.util.TreeSet;

/**
 * Who votes and who only listens. Invariants (checked by {@link ConfChanger}): learners and voters are disjoint;
 * learnersNext holds only outgoing voters that become learners when the joint state is left.
 */
public record Configuration(JointQuorum voters, Set<Long> learners, Set<Long> learnersNext, boolean autoLeave) {

    public Configuration {
        learners = Set.copyOf(new TreeSet<>(learners));
        learnersNext = Set.copyOf(new TreeSet<>(learnersNext));
    }

    public static Configuration fromConfState(ConfState state) {
        return new Configuration(
                new JointQuorum(MajorityQuorum.of(state.getVotersList()), MajorityQuorum.of(state.getVotersOutgoingList())),
                new TreeSet<>(state.getLearnersList()), new TreeSet<>(state.getLearnersNextList()), state.getAutoLeave());
    }

    public ConfState toConfState() {
        ConfState.Builder b = ConfState.newBuilder();
        for (long id : voters.incoming().ids()) b.addVoters(id);
        for (long id : voters.outgoing().ids()) b.addVotersOutgoing(id);
        new TreeSet<>(learners).forEach(b::addLearners);
        new TreeSet<>(learnersNext).forEach(b::addLearnersNext);
        return b.setAutoLeave(autoLeave).build();
    }

    public boolean isJoint() {
        return voters.isJoint();
    }

    public boolean isVoter(long id) {
        return voters.isVoter(id);
    }

    public boolean isLearner(long id) {
        return learners.contains(id) || learnersNext.contains(id);
    }

    /** Every member that receives the log: voters of both halves and learners. */
    public Set<Long> members() {
        Set<Long> all = new TreeSet<>();
        for (long id : voters.incoming().ids()) all.add(id);
        for (long id : voters.outgoing().ids()) all.add(id);
        all.addAll(learners);
        all.addAll(learnersNext);
        return all;
    }

    @Override
    public String toString() {
        return "voters=" + voters + (learners.isEmpty() ? "" : " learners=" + new TreeSet<>(learners))
                + (learnersNext.isEmpty() ? "" : " learners_next=" + new TreeSet<>(learnersNext))
                + (autoLeave ? " autoleave" : "");
    }
}
