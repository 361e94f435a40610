package io.keel.storage.log;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecentEntriesTest {
    @Test
    void keepsTheNewestTermsAndForgetsOlderOnes() {
        RecentEntries t = new RecentEntries(4, 1 << 20);
        t.resetAfter(0);
        t.append(LogFixtures.entries(1, 1, 1, 2, 2, 3, 3));
        assertEquals(-1, t.term(2), "only the last 4 are kept");
        assertEquals(2, t.term(3));
        assertEquals(3, t.term(6));
        assertEquals(-1, t.term(7));
    }

    @Test
    void aConflictingAppendReplacesTheSuffix() {
        RecentEntries t = new RecentEntries(8, 1 << 20);
        t.resetAfter(0);
        t.append(LogFixtures.entries(1, 1, 1, 1, 1, 1));
        t.append(LogFixtures.entries(3, 4));
        assertEquals(1, t.term(2));
        assertEquals(4, t.term(3));
        assertEquals(-1, t.term(4), "entries after the replaced suffix are gone");
        t.append(LogFixtures.entries(1, 5)); // before the window's start of 1: starts over
        assertEquals(5, t.term(1));
        assertEquals(-1, t.term(2));
    }

    @Test
    void aSnapshotPastTheLogStartsOver() {
        RecentEntries t = new RecentEntries(8, 1 << 20);
        t.resetAfter(0);
        t.append(LogFixtures.entries(1, 1, 1));
        t.resetAfter(10);
        assertEquals(-1, t.term(2));
        t.append(LogFixtures.entries(11, 3));
        assertEquals(3, t.term(11));
    }

    @Test
    void servesARangeOnlyWhenAllOfItIsCachedAndLimitsItsBytesAsALogReadDoes() {
        RecentEntries t = new RecentEntries(4, 1 << 20);
        t.resetAfter(0);
        t.append(LogFixtures.entries(1, 1, 1, 2, 2, 3, 3)); // keeps 3..6
        assertNull(t.entries(2, 5, Long.MAX_VALUE), "entry 2 is no longer cached");
        assertNull(t.entries(5, 8, Long.MAX_VALUE), "entry 7 does not exist");
        assertEquals(LogFixtures.entries(3, 2, 2, 3, 3), t.entries(3, 7, Long.MAX_VALUE));
        long one = LogFixtures.entry(3, 2).getData().size();
        assertEquals(LogFixtures.entries(3, 2, 2), t.entries(3, 7, 2 * one), "as many as fit");
        assertEquals(LogFixtures.entries(3, 2), t.entries(3, 7, 0), "the first even when it alone is too large");
        assertEquals(List.of(), t.entries(4, 4, Long.MAX_VALUE));
    }

    @Test
    void keepsNoMoreThanItsBytesButAlwaysTheNewestEntry() {
        long one = LogFixtures.entry(1, 1).getData().size();
        RecentEntries t = new RecentEntries(8, 2 * one + 1);
        t.resetAfter(0);
        t.append(LogFixtures.entries(1, 1, 1, 1, 1)); // entries 1..4, room for two
        assertEquals(-1, t.term(2), "older entries leave once the bytes are over the bound");
        assertEquals(LogFixtures.entries(3, 1, 1), t.entries(3, 5, Long.MAX_VALUE));
        RecentEntries tiny = new RecentEntries(8, 1);
        tiny.resetAfter(0);
        tiny.append(LogFixtures.entries(1, 1, 1)); // entries 1 and 2, each larger than the bound
        assertEquals(-1, tiny.term(1));
        assertEquals(LogFixtures.entries(2, 1), tiny.entries(2, 3, Long.MAX_VALUE));
    }

    @Test
    void aReplacedSuffixIsNeverServed() {
        RecentEntries t = new RecentEntries(8, 1 << 20);
        t.resetAfter(0);
        t.append(LogFixtures.entries(1, 1, 1, 1, 1));
        t.append(LogFixtures.entries(3, 2));
        assertNull(t.entries(3, 5, Long.MAX_VALUE), "entry 4 was removed with the conflicting suffix");
        assertEquals(LogFixtures.entries(1, 1, 1, 2), t.entries(1, 4, Long.MAX_VALUE));
    }

    @Test
    void capacityIsAPowerOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new RecentEntries(3, 1 << 20));
        assertTrue(new RecentEntries(1, 1 << 20).term(0) == -1);
    }

    @Test
    void keysSortLikeIndexes() {
        long[] indexes = {0, 1, 255, 256, 65535, 1L << 40, Long.MAX_VALUE};
        for (int i = 1; i < indexes.length; i++) {
            byte[] a = LogKeys.of(indexes[i - 1]);
            byte[] b = LogKeys.of(indexes[i]);
            assertTrue(java.util.Arrays.compareUnsigned(a, b) < 0, indexes[i - 1] + " < " + indexes[i]);
            assertEquals(indexes[i], LogKeys.indexOf(b));
        }
    }
}
