package io.keel.raft.membership;

import io.keel.raft.proto.ConfChange;
import io.keel.raft.proto.ConfChangeSingle;
import io.keel.raft.quorum.JointQuorum;
import io.keel.raft.quorum.MajorityQuorum;

import java.util.Set;
import java.util.TreeSet;

/**
 * Computes the configuration that a ConfChange leads to, and refuses changes that would break an invariant.
 * A pure function of (configuration, change): the leader calls it to validate a proposal, and every member calls
 * it again when the change is applied, so all members reach the same configuration.
 */
public final class ConfChanger {
    private ConfChanger() {
    }

    /** Thrown for a change that must not be made; the message says why. */
    public static final class InvalidChange extends Exception {
        public InvalidChange(String message) {
            super(message);
        }
    }

    public static Configuration apply(Configuration current, ConfChange change) throws InvalidChange {
        if (change.getChangesCount() == 0) {
            return leaveJoint(current);
        }
        if (current.voters().incoming().isEmpty() && !current.isJoint()) {
            // Bootstrap: with no voters yet there is no old majority to overlap with, so the initial voters are
            // set in one step.
            return simple(current, change);
        }
        if (change.getExplicitJoint() || voterChanges(current, change) > 1) {
            return enterJoint(current, change, !change.getExplicitJoint());
        }
        return simple(current, change);
    }

    /** Whether the change will put the cluster into a joint configuration. */
    public static boolean entersJoint(Configuration current, ConfChange change) {
        return change.getChangesCount() > 0 && !current.voters().incoming().isEmpty()
                && (change.getExplicitJoint() || voterChanges(current, change) > 1);
    }

    /**
     * A change of at most one voter is safe without a joint phase: any majority of the old voters overlaps any
     * majority of the new ones (thesis §4.1). More than one needs joint consensus (§4.3).
     */
    private static Configuration simple(Configuration current, ConfChange change) throws InvalidChange {
        if (current.isJoint()) {
            throw new InvalidChange("cannot make a simple change while in a joint configuration; leave it first");
        }
        Mutable next = new Mutable(current);
        for (ConfChangeSingle single : change.getChangesList()) {
            next.apply(single, false);
        }
        return next.build(false, false);
    }

    private static Configuration enterJoint(Configuration current, ConfChange change, boolean autoLeave) throws InvalidChange {
        if (current.isJoint()) {
            throw new InvalidChange("already in a joint configuration; leave it before entering another");
        }
        Mutable next = new Mutable(current);
        next.outgoing.addAll(next.incoming);
        for (ConfChangeSingle single : change.getChangesList()) {
            next.apply(single, true);
        }
        return next.build(true, autoLeave);
    }

    private static Configuration leaveJoint(Configuration current) throws InvalidChange {
        if (!current.isJoint()) {
            throw new InvalidChange("not in a joint configuration: nothing to leave");
        }
        Mutable next = new Mutable(current);
        next.learners.addAll(next.learnersNext);
        next.learnersNext.clear();
        next.outgoing.clear();
        return next.build(false, false);
    }

    private static int voterChanges(Configuration current, ConfChange change) {
        Set<Long> before = new TreeSet<>();
        for (long id : current.voters().incoming().ids()) before.add(id);
        Set<Long> after = new TreeSet<>(before);
        for (ConfChangeSingle single : change.getChangesList()) {
            if (single.getType() == io.keel.raft.proto.ConfChangeType.ADD_VOTER) {
                after.add(single.getMemberId());
            } else {
                after.remove(single.getMemberId());
            }
        }
        Set<Long> symmetricDifference = new TreeSet<>(before);
        symmetricDifference.addAll(after);
        Set<Long> both = new TreeSet<>(before);
        both.retainAll(after);
        symmetricDifference.removeAll(both);
        return symmetricDifference.size();
    }

    private static final class Mutable {
        final Set<Long> incoming = new TreeSet<>();
        final Set<Long> outgoing = new TreeSet<>();
        final Set<Long> learners;
        final Set<Long> learnersNext;

        Mutable(Configuration c) {
            for (long id : c.voters().incoming().ids()) incoming.add(id);
            for (long id : c.voters().outgoing().ids()) outgoing.add(id);
            learners = new TreeSet<>(c.learners());
            learnersNext = new TreeSet<>(c.learnersNext());
        }

        void apply(ConfChangeSingle single, boolean joint) throws InvalidChange {
            long id = single.getMemberId();
            if (id == 0) {
                throw new InvalidChange("member id 0 is reserved for 'none'");
            }
            switch (single.getType()) {
                case ADD_VOTER -> {
                    learners.remove(id);
                    learnersNext.remove(id);
                    incoming.add(id);
                }
                case ADD_LEARNER -> {
                    incoming.remove(id);
                    learners.remove(id);
                    learnersNext.remove(id);
                    // A voter of the outgoing half keeps voting there until the joint state is left, so it can
                    // only become a learner then (a member is never voter and learner at once).
                    if (joint && outgoing.contains(id)) {
                        learnersNext.add(id);
                    } else {
                        learners.add(id);
                    }
                }
                case REMOVE_MEMBER -> {
                    incoming.remove(id);
                    learners.remove(id);
                    learnersNext.remove(id);
                }
                default -> throw new InvalidChange("unknown change type " + single.getType());
            }
        }

        Configuration build(boolean joint, boolean autoLeave) throws InvalidChange {
            if (incoming.isEmpty()) {
                throw new InvalidChange("removing every voter would leave no one to decide");
            }
            return new Configuration(new JointQuorum(MajorityQuorum.of(incoming),
                    joint ? MajorityQuorum.of(outgoing) : MajorityQuorum.empty()), learners, learnersNext, autoLeave);
        }
    }
}
