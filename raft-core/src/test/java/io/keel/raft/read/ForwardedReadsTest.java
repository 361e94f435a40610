package io.keel.raft.read;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ForwardedReadsTest {

    @Test
    void anAnswerIsTakenOnlyOnce() {
        ForwardedReads reads = new ForwardedReads();
        reads.add(7, 100);
        assertTrue(reads.answered(7));
        assertFalse(reads.answered(7), "a duplicated answer must not answer the read twice");
        assertTrue(reads.isEmpty());
    }

    @Test
    void readsUnansweredForATimeoutExpireOldestFirst() {
        ForwardedReads reads = new ForwardedReads();
        reads.add(1, 0);
        reads.add(2, 50);
        reads.add(3, 90);
        assertEquals(List.of(), reads.expire(99, 100));
        assertEquals(List.of(1L), reads.expire(100, 100));
        assertEquals(List.of(2L, 3L), reads.expire(190, 100));
        assertFalse(reads.answered(2), "an expired read is no longer waiting for its answer");
    }

    @Test
    void aLeaderChangeDropsEveryWaitingRead() {
        ForwardedReads reads = new ForwardedReads();
        reads.add(1, -20);
        reads.add(2, -10);
        assertEquals(List.of(1L, 2L), reads.dropAll());
        assertTrue(reads.isEmpty());
    }
}
