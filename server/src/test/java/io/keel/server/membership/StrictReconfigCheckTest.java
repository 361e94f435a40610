package io.keel.server.membership;

import io.keel.raft.proto.ConfChange;
import io.keel.raft.proto.ConfChangeSingle;
import io.keel.raft.proto.ConfChangeType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * etcd 3.4's counting for --strict-reconfig-check (RaftCluster.IsReadyTo*, mayAddMember, mayRemoveMember), case by
 * case; the process tests (MembershipAtAnyMemberTest) show the refusals through etcdctl.
 */
class StrictReconfigCheckTest {
    /** Voters 1..voters (the first {@code started} of them announced), then learners after them. */
    private static MemberDirectory directory(int voters, int started, int learners) {
        MemberDirectory d = MemberDirectory.EMPTY;
        ConfChange.Builder c = ConfChange.newBuilder();
        for (long id = 1; id <= voters + learners; id++) {
            c.addChanges(ConfChangeSingle.newBuilder().setMemberId(id)
                    .setType(id <= voters ? ConfChangeType.ADD_VOTER : ConfChangeType.ADD_LEARNER));
        }
        d = d.withConfChange(c.build());
        for (long id = 1; id <= started; id++) d = d.withAttributes(id, "m" + id, List.of());
        return d;
    }

    private static void refusedWith(MembershipException.Reason reason, Runnable check) {
        assertEquals(reason, assertThrows(MembershipException.class, check::run).reason());
    }

    @Test
    void addingAVoterNeedsTheStartedVotersToStayAQuorum() {
        Set<Long> all = Set.of(1L, 2L, 3L, 4L, 5L);
        assertDoesNotThrow(() -> StrictReconfigCheck.mayAdd(directory(3, 3, 0), false, all)); // 3 of 4
        refusedWith(MembershipException.Reason.NOT_ENOUGH_STARTED,
                () -> StrictReconfigCheck.mayAdd(directory(4, 2, 0), false, all)); // 2 of 5
        // A learner does not count: only the activity rule applies.
        assertDoesNotThrow(() -> StrictReconfigCheck.mayAdd(directory(4, 2, 0), true, all));
        // etcd's restore case: one started member may add a second.
        assertDoesNotThrow(() -> StrictReconfigCheck.mayAdd(directory(1, 1, 0), false, all));
        refusedWith(MembershipException.Reason.NOT_ENOUGH_STARTED,
                () -> StrictReconfigCheck.mayAdd(directory(2, 1, 0), false, all));
    }

    @Test
    void addingAnyoneNeedsEveryVoterActive() {
        refusedWith(MembershipException.Reason.UNHEALTHY,
                () -> StrictReconfigCheck.mayAdd(directory(3, 3, 0), true, Set.of(1L, 2L)));
        // An inactive learner does not matter.
        assertDoesNotThrow(() -> StrictReconfigCheck.mayAdd(directory(3, 3, 1), false, Set.of(1L, 2L, 3L)));
    }

    @Test
    void removingAVoter() {
        Set<Long> all = Set.of(1L, 2L, 3L);
        assertDoesNotThrow(() -> StrictReconfigCheck.mayRemove(directory(3, 3, 0), 3, 1, all));
        // Voters 1, 2 started, 3 not: removing 2 leaves one started of two.
        refusedWith(MembershipException.Reason.NOT_ENOUGH_STARTED,
                () -> StrictReconfigCheck.mayRemove(directory(3, 2, 0), 2, 1, all));
        // 3 is down: removing live 2 leaves one active of three; removing 3 (not active) is fine.
        refusedWith(MembershipException.Reason.UNHEALTHY,
                () -> StrictReconfigCheck.mayRemove(directory(3, 3, 0), 2, 1, Set.of(1L, 2L)));
        assertDoesNotThrow(() -> StrictReconfigCheck.mayRemove(directory(3, 3, 0), 3, 1, Set.of(1L, 2L)));
        // A learner, or an unknown id (refused later as not found), changes no quorum.
        assertDoesNotThrow(() -> StrictReconfigCheck.mayRemove(directory(3, 1, 1), 4, 1, Set.of(1L)));
        assertDoesNotThrow(() -> StrictReconfigCheck.mayRemove(directory(3, 1, 0), 99, 1, Set.of(1L)));
    }

    @Test
    void promotingCountsTheLearnerAsStarted() {
        assertDoesNotThrow(() -> StrictReconfigCheck.mayPromote(directory(3, 2, 1))); // 3 of 4
        refusedWith(MembershipException.Reason.NOT_ENOUGH_STARTED,
                () -> StrictReconfigCheck.mayPromote(directory(3, 1, 1))); // 2 of 4
    }
}
