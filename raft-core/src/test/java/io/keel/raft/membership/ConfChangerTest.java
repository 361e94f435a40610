package io.keel.raft.membership;

import io.keel.raft.proto.ConfChange;
import io.keel.raft.proto.ConfChangeSingle;
import io.keel.raft.proto.ConfChangeType;
import io.keel.raft.proto.ConfState;
import io.keel.raft.quorum.JointQuorum;
import io.keel.raft.quorum.MajorityQuorum;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfChangerTest {

    // ------------------------------------------------------------------ helpers

    static Configuration config(long[] voters, long... learners) {
        ConfState.Builder b = ConfState.newBuilder();
        for (long v : voters) b.addVoters(v);
        for (long l : learners) b.addLearners(l);
        return Configuration.fromConfState(b.build());
    }

    static long[] voters(long... ids) {
        return ids;
    }

    static ConfChangeSingle addVoter(long id) {
        return ConfChangeSingle.newBuilder().setType(ConfChangeType.ADD_VOTER).setMemberId(id).build();
    }

    static ConfChangeSingle addLearner(long id) {
        return ConfChangeSingle.newBuilder().setType(ConfChangeType.ADD_LEARNER).setMemberId(id).build();
    }

    static ConfChangeSingle remove(long id) {
        return ConfChangeSingle.newBuilder().setType(ConfChangeType.REMOVE_MEMBER).setMemberId(id).build();
    }

    static ConfChange change(ConfChangeSingle... singles) {
        return ConfChange.newBuilder().addAllChanges(List.of(singles)).build();
    }

    static ConfChange explicitJoint(ConfChangeSingle... singles) {
        return ConfChange.newBuilder().addAllChanges(List.of(singles)).setExplicitJoint(true).build();
    }

    static ConfChange leave() {
        return ConfChange.getDefaultInstance();
    }

    static ConfState state(Configuration c) {
        return c.toConfState();
    }

    static List<Long> list(long... ids) {
        List<Long> out = new ArrayList<>();
        for (long id : ids) out.add(id);
        return out;
    }

    // ------------------------------------------------------------------ simple changes

    @Test
    void addingOneVoterIsASimpleChange() throws Exception {
        Configuration c = ConfChanger.apply(config(voters(1, 2, 3)), change(addVoter(4)));
        assertFalse(c.isJoint());
        assertEquals(list(1, 2, 3, 4), state(c).getVotersList());
        assertTrue(state(c).getVotersOutgoingList().isEmpty());
        assertTrue(c.isVoter(4));
        assertFalse(c.autoLeave());
        assertFalse(ConfChanger.entersJoint(config(voters(1, 2, 3)), change(addVoter(4))));
    }

    @Test
    void addExistingVoterIsANoOp() throws Exception {
        Configuration c = ConfChanger.apply(config(voters(1, 2, 3)), change(addVoter(2)));
        assertEquals(list(1, 2, 3), state(c).getVotersList());
        assertFalse(c.isJoint());
    }

    @Test
    void aRemovedVoterIsNoLongerAMember() throws Exception {
        Configuration c = ConfChanger.apply(config(voters(1, 2, 3)), change(remove(3)));
        assertFalse(c.isJoint());
        assertEquals(list(1, 2), state(c).getVotersList());
        assertFalse(c.isVoter(3));
        assertFalse(c.members().contains(3L));
    }

    @Test
    void removeUnknownMemberIsANoOp() throws Exception {
        Configuration c = ConfChanger.apply(config(voters(1, 2, 3)), change(remove(9)));
        assertEquals(list(1, 2, 3), state(c).getVotersList());
    }

    @Test
    void aLearnerIsAMemberButNotAVoter() throws Exception {
        Configuration c = ConfChanger.apply(config(voters(1, 2, 3)), change(addLearner(4)));
        assertFalse(c.isJoint());
        assertEquals(list(1, 2, 3), state(c).getVotersList());
        assertEquals(Set.of(4L), c.learners());
        assertTrue(c.isLearner(4));
        assertFalse(c.isVoter(4));
        assertEquals(Set.of(1L, 2L, 3L, 4L), c.members());
    }

    @Test
    void removingALearnerLeavesTheVotersAsTheyAre() throws Exception {
        Configuration c = ConfChanger.apply(config(voters(1, 2, 3), 4), change(remove(4)));
        assertTrue(c.learners().isEmpty());
        assertEquals(Set.of(1L, 2L, 3L), c.members());
    }

    @Test
    void promotingALearnerMakesItAVoterWithoutAJointConfiguration() throws Exception {
        Configuration before = config(voters(1, 2, 3), 4);
        assertFalse(ConfChanger.entersJoint(before, change(addVoter(4))));
        Configuration c = ConfChanger.apply(before, change(addVoter(4)));
        assertFalse(c.isJoint());
        assertEquals(list(1, 2, 3, 4), state(c).getVotersList());
        assertTrue(c.learners().isEmpty());
        assertFalse(c.isLearner(4));
        assertTrue(c.isVoter(4));
    }

    @Test
    void demoteVoterToLearnerDirectly() throws Exception {
        Configuration c = ConfChanger.apply(config(voters(1, 2, 3)), change(addLearner(3)));
        assertFalse(c.isJoint());
        assertEquals(list(1, 2), state(c).getVotersList());
        assertEquals(Set.of(3L), c.learners());
        assertTrue(c.learnersNext().isEmpty());
        assertFalse(c.isVoter(3));
    }

    @Test
    void oneVoterChangePlusLearnerChangesStaysSimple() throws Exception {
        ConfChange cc = change(addVoter(4), addLearner(5), addLearner(6));
        assertFalse(ConfChanger.entersJoint(config(voters(1, 2, 3)), cc));
        Configuration c = ConfChanger.apply(config(voters(1, 2, 3)), cc);
        assertFalse(c.isJoint());
        assertEquals(list(1, 2, 3, 4), state(c).getVotersList());
        assertEquals(Set.of(5L, 6L), c.learners());
    }

    @Test
    void addThenRemoveSameVoterCountsAsNoVoterChange() throws Exception {
        ConfChange cc = change(addVoter(4), remove(4), addVoter(5));
        // Net effect: one voter added.
        assertFalse(ConfChanger.entersJoint(config(voters(1, 2, 3)), cc));
        Configuration c = ConfChanger.apply(config(voters(1, 2, 3)), cc);
        assertEquals(list(1, 2, 3, 5), state(c).getVotersList());
    }

    @Test
    void applyingAChangeLeavesTheOldConfigurationAsItWas() throws Exception {
        Configuration before = config(voters(1, 2, 3), 4);
        ConfState snapshot = state(before);
        ConfChanger.apply(before, change(addVoter(4)));
        ConfChanger.apply(before, change(addVoter(5), addVoter(6)));
        assertEquals(snapshot, state(before));
    }

    // ------------------------------------------------------------------ joint

    @Test
    void twoVoterChangesEnterJointWithAutoLeave() throws Exception {
        Configuration before = config(voters(1, 2, 3));
        ConfChange cc = change(addVoter(4), remove(1));
        assertTrue(ConfChanger.entersJoint(before, cc));
        Configuration c = ConfChanger.apply(before, cc);
        assertTrue(c.isJoint());
        assertTrue(c.autoLeave());
        assertEquals(list(2, 3, 4), state(c).getVotersList());
        assertEquals(list(1, 2, 3), state(c).getVotersOutgoingList());
        // 1 still votes in the outgoing half.
        assertTrue(c.isVoter(1));
        assertEquals(Set.of(1L, 2L, 3L, 4L), c.members());
    }

    @Test
    void addingTwoVotersEntersJoint() throws Exception {
        Configuration c = ConfChanger.apply(config(voters(1)), change(addVoter(2), addVoter(3)));
        assertTrue(c.isJoint());
        assertEquals(list(1, 2, 3), state(c).getVotersList());
        assertEquals(list(1), state(c).getVotersOutgoingList());
    }

    @Test
    void explicitJointDoesNotAutoLeave() throws Exception {
        Configuration before = config(voters(1, 2, 3));
        ConfChange cc = explicitJoint(addVoter(4), remove(1));
        assertTrue(ConfChanger.entersJoint(before, cc));
        Configuration c = ConfChanger.apply(before, cc);
        assertTrue(c.isJoint());
        assertFalse(c.autoLeave());
    }

    @Test
    void explicitJointWithASingleChangeStillEntersJoint() throws Exception {
        Configuration before = config(voters(1, 2, 3));
        ConfChange cc = explicitJoint(addVoter(4));
        assertTrue(ConfChanger.entersJoint(before, cc));
        Configuration c = ConfChanger.apply(before, cc);
        assertTrue(c.isJoint());
        assertFalse(c.autoLeave());
        assertEquals(list(1, 2, 3, 4), state(c).getVotersList());
        assertEquals(list(1, 2, 3), state(c).getVotersOutgoingList());
    }

    @Test
    void demotionInsideJointGoesToLearnersNext() throws Exception {
        Configuration c = ConfChanger.apply(config(voters(1, 2, 3)), change(addLearner(3), addVoter(4)));
        assertTrue(c.isJoint());
        assertEquals(list(1, 2, 4), state(c).getVotersList());
        assertEquals(list(1, 2, 3), state(c).getVotersOutgoingList());
        // 3 still votes in the outgoing half, so it cannot be a learner yet.
        assertTrue(c.learners().isEmpty());
        assertEquals(Set.of(3L), c.learnersNext());
        assertTrue(c.isVoter(3));
        assertTrue(c.isLearner(3));
    }

    @Test
    void newLearnerInsideJointGoesStraightToLearners() throws Exception {
        Configuration c = ConfChanger.apply(config(voters(1, 2, 3)), explicitJoint(addLearner(5)));
        assertEquals(Set.of(5L), c.learners());
        assertTrue(c.learnersNext().isEmpty());
    }

    @Test
    void leavingJointMovesLearnersNextToLearners() throws Exception {
        Configuration joint = ConfChanger.apply(config(voters(1, 2, 3), 7), change(addLearner(3), addVoter(4)));
        assertTrue(ConfChanger.entersJoint(config(voters(1, 2, 3)), change(addLearner(3), addVoter(4))));
        assertFalse(ConfChanger.entersJoint(joint, leave()));
        Configuration c = ConfChanger.apply(joint, leave());
        assertFalse(c.isJoint());
        assertFalse(c.autoLeave());
        assertEquals(list(1, 2, 4), state(c).getVotersList());
        assertTrue(state(c).getVotersOutgoingList().isEmpty());
        assertEquals(Set.of(3L, 7L), c.learners());
        assertTrue(c.learnersNext().isEmpty());
        assertFalse(c.isVoter(3));
        assertTrue(c.isLearner(3));
    }

    @Test
    void leavingJointDropsRemovedVoters() throws Exception {
        Configuration joint = ConfChanger.apply(config(voters(1, 2, 3)), change(remove(1), remove(2), addVoter(4)));
        assertEquals(list(3, 4), state(joint).getVotersList());
        assertEquals(list(1, 2, 3), state(joint).getVotersOutgoingList());
        Configuration c = ConfChanger.apply(joint, leave());
        assertEquals(list(3, 4), state(c).getVotersList());
        assertEquals(Set.of(3L, 4L), c.members());
        assertFalse(c.isVoter(1));
    }

    @Test
    void replaceWholeConfigurationThroughJoint() throws Exception {
        Configuration joint = ConfChanger.apply(config(voters(1, 2, 3)),
                change(addVoter(4), addVoter(5), addVoter(6), remove(1), remove(2), remove(3)));
        assertTrue(joint.isJoint());
        assertEquals(list(4, 5, 6), state(joint).getVotersList());
        assertEquals(list(1, 2, 3), state(joint).getVotersOutgoingList());
        Configuration c = ConfChanger.apply(joint, leave());
        assertEquals(list(4, 5, 6), state(c).getVotersList());
        assertEquals(Set.of(4L, 5L, 6L), c.members());
    }

    @Test
    void promoteAndAddVoterInsideJoint() throws Exception {
        Configuration joint = ConfChanger.apply(config(voters(1, 2, 3), 4), change(addVoter(4), addVoter(5)));
        assertTrue(joint.isJoint());
        assertTrue(joint.learners().isEmpty());
        assertEquals(list(1, 2, 3, 4, 5), state(joint).getVotersList());
        assertEquals(list(1, 2, 3), state(joint).getVotersOutgoingList());
    }

    // ------------------------------------------------------------------ bootstrap

    @Test
    void bootstrapSetsAllInitialVotersInOneStep() throws Exception {
        Configuration empty = Configuration.fromConfState(ConfState.getDefaultInstance());
        ConfChange cc = change(addVoter(1), addVoter(2), addVoter(3));
        assertFalse(ConfChanger.entersJoint(empty, cc), "no old majority to overlap with");
        Configuration c = ConfChanger.apply(empty, cc);
        assertFalse(c.isJoint());
        assertFalse(c.autoLeave());
        assertEquals(list(1, 2, 3), state(c).getVotersList());
        // From then on, the same change of several voters needs a joint phase.
        assertTrue(ConfChanger.entersJoint(c, change(addVoter(4), addVoter(5))));
    }

    @Test
    void bootstrapWithVotersAndLearners() throws Exception {
        Configuration empty = Configuration.fromConfState(ConfState.getDefaultInstance());
        Configuration c = ConfChanger.apply(empty, change(addVoter(1), addVoter(2), addLearner(3)));
        assertEquals(list(1, 2), state(c).getVotersList());
        assertEquals(Set.of(3L), c.learners());
    }

    @Test
    void bootstrapStillRefusesNoVotersAndIdZero() {
        Configuration empty = Configuration.fromConfState(ConfState.getDefaultInstance());
        assertThrows(ConfChanger.InvalidChange.class, () -> ConfChanger.apply(empty, change(addLearner(1))));
        assertThrows(ConfChanger.InvalidChange.class, () -> ConfChanger.apply(empty, change(addVoter(0), addVoter(1))));
        assertThrows(ConfChanger.InvalidChange.class, () -> ConfChanger.apply(empty, leave()));
    }

    @Test
    void configurationsWithTheSameMembersAreEqual() throws Exception {
        Configuration a = ConfChanger.apply(config(voters(1, 2, 3), 5), change(addVoter(4), remove(1)));
        Configuration b = Configuration.fromConfState(a.toConfState());
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertFalse(a.equals(ConfChanger.apply(a, leave())));
    }

    // ------------------------------------------------------------------ refusals

    @Test
    void refusesRemovingEveryVoter() {
        assertThrows(ConfChanger.InvalidChange.class,
                () -> ConfChanger.apply(config(voters(1)), change(remove(1))));
        assertThrows(ConfChanger.InvalidChange.class,
                () -> ConfChanger.apply(config(voters(1)), change(addLearner(1))));
        assertThrows(ConfChanger.InvalidChange.class,
                () -> ConfChanger.apply(config(voters(1, 2)), change(remove(1), remove(2))));
        assertThrows(ConfChanger.InvalidChange.class,
                () -> ConfChanger.apply(config(voters(1, 2, 3)), explicitJoint(remove(1), remove(2), remove(3))));
    }

    @Test
    void refusesEnteringJointTwice() throws Exception {
        Configuration joint = ConfChanger.apply(config(voters(1, 2, 3)), change(addVoter(4), addVoter(5)));
        ConfChanger.InvalidChange e = assertThrows(ConfChanger.InvalidChange.class,
                () -> ConfChanger.apply(joint, change(addVoter(6), addVoter(7))));
        assertTrue(e.getMessage().contains("joint"), e.getMessage());
        assertThrows(ConfChanger.InvalidChange.class, () -> ConfChanger.apply(joint, explicitJoint(addLearner(6))));
    }

    @Test
    void refusesLeavingWhenNotJoint() {
        assertThrows(ConfChanger.InvalidChange.class, () -> ConfChanger.apply(config(voters(1, 2, 3)), leave()));
        // explicit_joint with no changes is still a "leave".
        assertThrows(ConfChanger.InvalidChange.class, () -> ConfChanger.apply(config(voters(1, 2, 3)),
                ConfChange.newBuilder().setExplicitJoint(true).build()));
    }

    @Test
    void refusesMemberIdZero() {
        assertThrows(ConfChanger.InvalidChange.class, () -> ConfChanger.apply(config(voters(1, 2, 3)), change(addVoter(0))));
        assertThrows(ConfChanger.InvalidChange.class, () -> ConfChanger.apply(config(voters(1, 2, 3)), change(addLearner(0))));
        assertThrows(ConfChanger.InvalidChange.class, () -> ConfChanger.apply(config(voters(1, 2, 3)), change(remove(0))));
        assertThrows(ConfChanger.InvalidChange.class,
                () -> ConfChanger.apply(config(voters(1, 2, 3)), change(addVoter(4), addVoter(0))));
    }

    @Test
    void refusesSimpleChangeWhileJoint() throws Exception {
        Configuration joint = ConfChanger.apply(config(voters(1, 2, 3)), explicitJoint(addVoter(4)));
        assertThrows(ConfChanger.InvalidChange.class, () -> ConfChanger.apply(joint, change(addVoter(5))));
        assertThrows(ConfChanger.InvalidChange.class, () -> ConfChanger.apply(joint, change(remove(4))));
        assertThrows(ConfChanger.InvalidChange.class, () -> ConfChanger.apply(joint, change(addLearner(9))));
    }

    @Test
    void refusalLeavesTheInputUntouched() throws Exception {
        Configuration joint = ConfChanger.apply(config(voters(1, 2, 3)), change(addVoter(4), remove(1)));
        ConfState before = state(joint);
        assertThrows(ConfChanger.InvalidChange.class, () -> ConfChanger.apply(joint, change(addVoter(5))));
        assertEquals(before, state(joint));
    }

    // ------------------------------------------------------------------ Configuration <-> ConfState

    @Test
    void aSimpleConfStateRoundTripsSorted() {
        ConfState cs = ConfState.newBuilder().addAllVoters(list(3, 1, 2)).addAllLearners(list(5, 4)).build();
        Configuration c = Configuration.fromConfState(cs);
        ConfState back = c.toConfState();
        // Normalized: sorted.
        assertEquals(list(1, 2, 3), back.getVotersList());
        assertEquals(list(4, 5), back.getLearnersList());
        assertTrue(back.getVotersOutgoingList().isEmpty());
        assertTrue(back.getLearnersNextList().isEmpty());
        assertFalse(back.getAutoLeave());
        assertEquals(back, Configuration.fromConfState(back).toConfState());
    }

    @Test
    void aJointConfStateRoundTripsWithItsOutgoingVotersAndLearnersNext() throws Exception {
        Configuration joint = ConfChanger.apply(config(voters(1, 2, 3), 9), change(addLearner(3), addVoter(4), addVoter(5)));
        ConfState cs = joint.toConfState();
        assertEquals(list(1, 2, 4, 5), cs.getVotersList());
        assertEquals(list(1, 2, 3), cs.getVotersOutgoingList());
        assertEquals(list(9), cs.getLearnersList());
        assertEquals(list(3), cs.getLearnersNextList());
        assertTrue(cs.getAutoLeave());
        Configuration back = Configuration.fromConfState(cs);
        assertEquals(cs, back.toConfState());
        assertTrue(back.isJoint());
        assertTrue(back.autoLeave());
        assertEquals(joint.learners(), back.learners());
        assertEquals(joint.learnersNext(), back.learnersNext());
        assertArrayEquals(joint.voters().incoming().ids(), back.voters().incoming().ids());
        assertArrayEquals(joint.voters().outgoing().ids(), back.voters().outgoing().ids());
        // And the restored configuration behaves the same when the joint state is left.
        assertEquals(ConfChanger.apply(joint, leave()).toConfState(), ConfChanger.apply(back, leave()).toConfState());
    }

    @Test
    void anEmptyConfStateIsAnEmptySimpleConfiguration() {
        Configuration c = Configuration.fromConfState(ConfState.getDefaultInstance());
        assertFalse(c.isJoint());
        assertTrue(c.members().isEmpty());
        assertEquals(ConfState.getDefaultInstance(), c.toConfState());
    }

    @Test
    void aConfigurationKeepsItsOwnCopyOfTheSetsItWasGiven() {
        Set<Long> learners = new java.util.HashSet<>(Set.of(4L));
        Configuration c = new Configuration(JointQuorum.simple(MajorityQuorum.of(list(1, 2, 3))), learners, Set.of(), false);
        learners.add(5L);
        assertEquals(Set.of(4L), c.learners());
        assertThrows(UnsupportedOperationException.class, () -> c.learners().add(6L));
    }

    @Test
    void aConfigurationPrintsEveryPartOfIt() throws Exception {
        Configuration joint = ConfChanger.apply(config(voters(1, 2, 3), 9), change(addLearner(3), addVoter(4)));
        String s = joint.toString();
        assertTrue(s.contains("[1, 2, 4]&&[1, 2, 3]"), s);
        assertTrue(s.contains("learners=[9]"), s);
        assertTrue(s.contains("learners_next=[3]"), s);
        assertTrue(s.contains("autoleave"), s);
    }
}
