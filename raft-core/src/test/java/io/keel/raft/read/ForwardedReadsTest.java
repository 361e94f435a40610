package io.keel.raft.read;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class ForwardedReadsTest {

    @Test
    void anAnswerIsTakenOnlyOnce() {
        ForwardedReads reads = new ForwardedReads(0);
        long wire = reads.add(7, 100);
        assertEquals(OptionalLong.of(7), reads.answered(wire));
        assertFalse(reads.answered(wire).isPresent(), "a duplicated answer must not answer the read twice");
        assertEquals(List.of(), reads.dropAll(), "nothing waits any more");
    }

    @Test
    void anAnswerForAPreviousStartsReadWithTheSameReadIdIsNotTaken() {
        // The caller numbers its reads from 1 again after a restart, in the same term: the leader's answer to the
        // previous start's read 1 (an older, lower read index) must not answer the new read 1 (seed 38017).
        ForwardedReads before = new ForwardedReads(0x1234_5678_9abc_def0L);
        long oldWire = before.add(1, 100);
        ForwardedReads after = new ForwardedReads(0x0fed_cba9_8765_4321L);
        long newWire = after.add(1, 200);
        assertNotEquals(oldWire, newWire);
        assertFalse(after.answered(oldWire).isPresent(), "an answer meant for the previous start answered a read");
        assertEquals(OptionalLong.of(1), after.answered(newWire));
    }

    @Test
    void readsUnansweredForATimeoutExpireOldestFirst() {
        ForwardedReads reads = new ForwardedReads(0);
        reads.add(1, 0);
        long two = reads.add(2, 50);
        reads.add(3, 90);
        assertEquals(List.of(), reads.expire(99, 100));
        assertEquals(List.of(1L), reads.expire(100, 100));
        assertEquals(List.of(2L, 3L), reads.expire(190, 100));
        assertFalse(reads.answered(two).isPresent(), "an expired read is no longer waiting for its answer");
    }

    @Test
    void aLeaderChangeDropsEveryWaitingRead() {
        ForwardedReads reads = new ForwardedReads(0);
        reads.add(1, -20);
        reads.add(2, -10);
        assertEquals(List.of(1L, 2L), reads.dropAll());
        assertEquals(List.of(), reads.dropAll(), "nothing waits any more");
    }
}
