package io.keel.storage.mvcc.apply;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The apply thread's cache of current records: what it answers, what a refused operation and a failed batch take
 * out of it, and its bound ({@code CurrentCacheStoreTest} checks it through the store). ModelTest runs the whole
 * store against a reference model with it off, tiny and at its default size.
 */
class CurrentCacheTest {
    @Test
    void writesOfABatchAreSeenInTheBatchAndKeptOnceItCommits() {
        CurrentCache c = new CurrentCache(1 << 20, CurrentCache.WHOLE);
        assertSame(CurrentCache.MISS, c.lookup(b("a")));
        c.remember(b("a"), null);
        assertNull(c.lookup(b("a")), "known absent");
        c.setSavePoint();
        c.wrote(b("a"), b("A1"));
        c.releaseSavePoint();
        assertArrayEquals(b("A1"), c.lookup(b("a")));
        c.batchCommitted();
        assertArrayEquals(b("A1"), c.lookup(b("a")));
    }

    @Test
    void aRefusedOperationTakesItsWritesOutAndLeavesTheEarlierOnes() {
        CurrentCache c = new CurrentCache(1 << 20, CurrentCache.WHOLE);
        c.remember(b("a"), b("A0"));
        c.setSavePoint();
        c.wrote(b("a"), b("A1"));
        c.releaseSavePoint();
        c.setSavePoint();
        c.wrote(b("a"), b("A2"));
        c.wrote(b("b"), b("B1"));
        c.wrote(b("a"), null);
        c.rollBackToSavePoint();
        assertArrayEquals(b("A1"), c.lookup(b("a")), "the first operation's write stays");
        assertSame(CurrentCache.MISS, c.lookup(b("b")), "the refused operation's key is unknown again");
        c.batchCommitted();
        assertArrayEquals(b("A1"), c.lookup(b("a")));
    }

    @Test
    void aBatchThatIsNotWrittenForgetsEveryKeyItTouched() {
        CurrentCache c = new CurrentCache(1 << 20, CurrentCache.WHOLE);
        c.remember(b("a"), b("A0"));
        c.remember(b("z"), b("Z0"));
        c.setSavePoint();
        c.wrote(b("a"), b("A1"));
        c.batchDiscarded();
        assertSame(CurrentCache.MISS, c.lookup(b("a")), "neither the batch's value nor the one before it is trusted");
        assertArrayEquals(b("Z0"), c.lookup(b("z")), "untouched keys stay");
    }

    @Test
    void itStaysWithinItsBytesDroppingTheLeastRecentlyUsedAndNeverHoldsAHugeRecord() {
        CurrentCache c = new CurrentCache(4096, CurrentCache.WHOLE);
        for (int i = 0; i < 200; i++) c.remember(b("key" + i), new byte[40]);
        assertTrue(c.size() < 40, "4 KiB holds a few dozen small records, not " + c.size());
        assertSame(CurrentCache.MISS, c.lookup(b("key0")), "the oldest went first");
        assertEquals(40, c.lookup(b("key199")).length);
        c.remember(b("big"), new byte[1000]);
        assertSame(CurrentCache.MISS, c.lookup(b("big")), "a record over a sixteenth of the budget is not kept");
    }

    @Test
    void offItKnowsOnlyTheBatchsOwnWrites() {
        CurrentCache c = new CurrentCache(0, CurrentCache.WHOLE);
        c.remember(b("a"), b("A0"));
        assertSame(CurrentCache.MISS, c.lookup(b("a")), "no committed record is kept");
        c.wrote(b("a"), b("A1"));
        assertArrayEquals(b("A1"), c.lookup(b("a")), "the plain write batch cannot be read: pending is");
        c.batchCommitted();
        assertSame(CurrentCache.MISS, c.lookup(b("a")), "once written, the database has it");
    }

    /** The CURRENT cache keeps only a record's leading fields once its batch commits (here: its first two bytes). */
    @Test
    void aCacheThatKeepsPartOfEachRecordAnswersWholeRecordsOnlyFromTheBatch() {
        CurrentCache c = new CurrentCache(1 << 20, (key, record) -> Arrays.copyOf(record, 2));
        c.wrote(b("a"), b("A1 and its value"));
        assertArrayEquals(b("A1 and its value"), c.lookup(b("a")), "the batch's own write, whole");
        assertArrayEquals(b("A1 and its value"), c.lookupLeading(b("a")));
        c.batchCommitted();
        assertSame(CurrentCache.MISS, c.lookup(b("a")), "the whole record is the database's to give");
        assertArrayEquals(b("A1"), c.lookupLeading(b("a")), "the kept part");
        c.remember(b("b"), b("B0 and its value"));
        assertSame(CurrentCache.MISS, c.lookup(b("b")));
        assertArrayEquals(b("B0"), c.lookupLeading(b("b")));
        c.remember(b("z"), null);
        assertNull(c.lookup(b("z")), "a key known absent is absent whole too");
        c.wrote(b("a"), null);
        c.batchCommitted();
        assertNull(c.lookup(b("a")), "deleted");
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
