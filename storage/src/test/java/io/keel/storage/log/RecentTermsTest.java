package io.keel.storage.log;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecentTermsTest {
    @Test
    void keepsTheNewestTermsAndForgetsOlderOnes() {
        RecentTerms t = new RecentTerms(4);
        t.resetAfter(0);
        t.append(LogFixtures.entries(1, 1, 1, 2, 2, 3, 3));
        assertEquals(-1, t.term(2), "only the last 4 are kept");
        assertEquals(2, t.term(3));
        assertEquals(3, t.term(6));
        assertEquals(-1, t.term(7));
    }

    @Test
    void aConflictingAppendReplacesTheSuffix() {
        RecentTerms t = new RecentTerms(8);
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
        RecentTerms t = new RecentTerms(8);
        t.resetAfter(0);
        t.append(LogFixtures.entries(1, 1, 1));
        t.resetAfter(10);
        assertEquals(-1, t.term(2));
        t.append(LogFixtures.entries(11, 3));
        assertEquals(3, t.term(11));
    }

    @Test
    void capacityIsAPowerOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new RecentTerms(3));
        assertTrue(new RecentTerms(1).term(0) == -1);
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
