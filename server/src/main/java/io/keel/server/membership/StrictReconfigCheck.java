package io.keel.server.membership;

import java.util.Set;

/**
 * etcd's --strict-reconfig-check (on by default): the leader refuses a membership change that would leave fewer
 * started members than a quorum, or that it cannot be sure the reachable members survive. Counted as etcd 3.4 counts
 * them (etcdserver mayAddMember, mayRemoveMember, mayPromoteMember and membership.RaftCluster's IsReadyTo*):
 * <ul>
 *   <li><i>started</i>: a voter that has announced its name (MemberList shows it without {@code unstarted});</li>
 *   <li><i>active</i>: a member the leader heard from within an election timeout ({@code Member.membersHeardWithin};
 *   etcd: a peer connected for the last 5 s).</li>
 * </ul>
 * Each check runs at the leader on its own directory, just before it proposes the change, under the lock that lets
 * one change at a time through {@link Membership}; a pure function of what it is given.
 */
final class StrictReconfigCheck {
    static final String NOT_ENOUGH_STARTED =
            "etcdserver: re-configuration failed due to not enough started members";
    static final String UNHEALTHY = "etcdserver: unhealthy cluster";

    private StrictReconfigCheck() {
    }

    /**
     * Adding a voter: the started voters must stay a quorum of the voters with the new one (a one-member cluster may
     * always add a second, as etcd allows for restoring). Adding anyone: every voter must be active, or the new
     * member could tip a cluster that is already one failure from losing its quorum.
     */
    static void mayAdd(MemberDirectory d, boolean learner, Set<Long> active) {
        int voters = 1; // the new member
        int started = 0;
        for (MemberInfo m : d.members()) {
            if (m.learner()) continue;
            voters++;
            if (m.started()) started++;
        }
        boolean restoringSingle = started == 1 && voters == 2;
        if (!learner && !restoringSingle && started < voters / 2 + 1) {
            throw notEnoughStarted();
        }
        for (MemberInfo m : d.members()) {
            if (!m.learner() && !active.contains(m.id())) throw unhealthy();
        }
    }

    /**
     * Removing a voter: the started voters that remain must be a quorum of the voters that remain; and unless the
     * member removed is one the leader does not hear from (it is no part of the active quorum), the active voters
     * other than it must still be a quorum. Removing a learner changes no quorum.
     */
    static void mayRemove(MemberDirectory d, long id, long self, Set<Long> active) {
        MemberInfo removed = d.get(id);
        if (removed == null || removed.learner()) return;
        int voters = 0;
        int started = 0;
        int allVoters = 0;
        int activeVoters = 0;
        for (MemberInfo m : d.members()) {
            if (m.learner()) continue;
            allVoters++;
            if (active.contains(m.id())) activeVoters++;
            if (m.id() == id) continue;
            voters++;
            if (m.started()) started++;
        }
        if (started < voters / 2 + 1) throw notEnoughStarted();
        if (id != self && !active.contains(id)) return;
        if (activeVoters - 1 < 1 + (allVoters - 1) / 2) throw unhealthy();
    }

    /** Promoting a learner: the started voters, the learner counted as one, must be a quorum of the voters after. */
    static void mayPromote(MemberDirectory d) {
        int voters = 1;
        int started = 1;
        for (MemberInfo m : d.members()) {
            if (m.learner()) continue;
            voters++;
            if (m.started()) started++;
        }
        if (started < voters / 2 + 1) throw notEnoughStarted();
    }

    private static MembershipException notEnoughStarted() {
        return new MembershipException(MembershipException.Reason.NOT_ENOUGH_STARTED, NOT_ENOUGH_STARTED);
    }

    private static MembershipException unhealthy() {
        return new MembershipException(MembershipException.Reason.UNHEALTHY, UNHEALTHY);
    }
}
