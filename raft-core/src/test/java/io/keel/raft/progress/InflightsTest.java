package io.keel.raft.progress;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InflightsTest {

    @Test
    void rejectsNonPositiveCapacity() {
        assertThrows(IllegalArgumentException.class, () -> new Inflights(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Inflights(-1, 0));
    }

    @Test
    void theWindowIsFullAtItsMessageCount() {
        Inflights in = new Inflights(3, 0);
        assertFalse(in.isFull());
        in.add(1, 100);
        in.add(2, 100);
        assertFalse(in.isFull());
        in.add(5, 100);
        assertTrue(in.isFull());
        assertEquals(3, in.count());
        assertEquals(300, in.bytes());
        assertThrows(IllegalStateException.class, () -> in.add(6, 1));
        assertEquals(3, in.count());
    }

    @Test
    void aByteLimitOfZeroMeansNoByteLimit() {
        Inflights in = new Inflights(2, 0);
        in.add(1, Long.MAX_VALUE / 4);
        assertFalse(in.isFull());
    }

    @Test
    void theWindowIsFullAtItsByteLimit() {
        Inflights in = new Inflights(10, 1000);
        in.add(1, 400);
        assertFalse(in.isFull());
        in.add(2, 599);
        assertFalse(in.isFull());
        assertEquals(999, in.bytes());
        in.add(3, 1);
        assertTrue(in.isFull(), "exactly at the byte limit is full");
        in.freeUpTo(1);
        assertFalse(in.isFull());
        assertEquals(600, in.bytes());
    }

    @Test
    void singleAppendLargerThanByteLimitIsAllowedButFills() {
        Inflights in = new Inflights(10, 100);
        in.add(1, 5000);
        assertTrue(in.isFull());
        assertEquals(1, in.count());
        in.freeUpTo(1);
        assertFalse(in.isFull());
        assertEquals(0, in.bytes());
    }

    @Test
    void anAcknowledgementFreesTheAppendsEndingAtOrBelowIt() {
        Inflights in = new Inflights(10, 0);
        in.add(3, 10);
        in.add(6, 20);
        in.add(9, 30);
        in.freeUpTo(2);
        assertEquals(3, in.count());
        in.freeUpTo(5); // frees the append ending at 3 only
        assertEquals(2, in.count());
        assertEquals(50, in.bytes());
        in.freeUpTo(6);
        assertEquals(1, in.count());
        assertEquals(30, in.bytes());
        in.freeUpTo(100);
        assertEquals(0, in.count());
        assertEquals(0, in.bytes());
        in.freeUpTo(200); // on empty: no-op
        assertEquals(0, in.count());
    }

    @Test
    void aStaleAcknowledgementFreesNothing() {
        Inflights in = new Inflights(4, 0);
        in.add(10, 1);
        in.add(20, 1);
        in.freeUpTo(15);
        in.freeUpTo(12); // stale
        assertEquals(1, in.count());
        assertEquals(1, in.bytes());
    }

    @Test
    void anAppendNotBeyondTheLastInFlightIsRefused() {
        Inflights in = new Inflights(4, 0);
        in.add(5, 1);
        assertThrows(IllegalStateException.class, () -> in.add(5, 1));
        assertThrows(IllegalStateException.class, () -> in.add(4, 1));
        assertEquals(1, in.count());
        in.add(6, 1);
        assertEquals(2, in.count());
    }

    @Test
    void orderingCheckedAgainstNewestAfterWrapAround() {
        Inflights in = new Inflights(3, 0);
        for (long i = 1; i <= 3; i++) in.add(i, 1);
        in.freeUpTo(2);
        in.add(4, 1); // wraps into slot 0
        in.add(5, 1); // slot 1
        assertTrue(in.isFull());
        in.freeUpTo(3);
        assertThrows(IllegalStateException.class, () -> in.add(5, 1));
        assertThrows(IllegalStateException.class, () -> in.add(2, 1));
        in.add(6, 1);
        assertEquals(3, in.count());
    }

    @Test
    void theWindowKeepsCountingAcrossManyWrapArounds() {
        Inflights in = new Inflights(4, 0);
        long next = 1;
        long freed = 0;
        for (int round = 0; round < 50; round++) {
            while (!in.isFull()) {
                in.add(next, next);
                next++;
            }
            assertEquals(4, in.count());
            // Free two at a time.
            freed += 2;
            in.freeUpTo(freed);
            assertEquals(2, in.count());
            long expectedBytes = 0;
            for (long i = freed + 1; i < next; i++) expectedBytes += i;
            assertEquals(expectedBytes, in.bytes(), "round " + round);
        }
    }

    @Test
    void aResetEmptiesTheWindowAndRestartsItsOrdering() {
        Inflights in = new Inflights(2, 10);
        in.add(7, 10);
        in.add(8, 10);
        assertTrue(in.isFull());
        in.reset();
        assertFalse(in.isFull());
        assertEquals(0, in.count());
        assertEquals(0, in.bytes());
        // After a reset, ordering starts afresh (a lower index is fine: the window was abandoned).
        in.add(3, 1);
        assertEquals(1, in.count());
    }
}
