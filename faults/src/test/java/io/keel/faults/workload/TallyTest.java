package io.keel.faults.workload;

import io.keel.faults.workload.Tally.Outcome;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TallyTest {
    private static final long MS = 1_000_000;

    @Test
    void countsTheOperationsInvokedInTheWindowAndTheLongestStretchWithoutASuccessfulWrite() {
        Tally t = new Tally();
        t.record(true, Outcome.OK, 100 * MS, 110 * MS);
        t.record(false, Outcome.OK, 120 * MS, 130 * MS); // a read: no write
        t.record(true, Outcome.UNKNOWN, 200 * MS, 2200 * MS);
        t.record(true, Outcome.FAILED, 300 * MS, 301 * MS);
        t.record(true, Outcome.OK, 900 * MS, 910 * MS);
        t.record(true, Outcome.OK, 5000 * MS, 5010 * MS); // invoked after the window

        Tally.Counts c = t.between(0, 1000 * MS);

        assertEquals(new Tally.Counts(3, 1, 1, 800), c); // 110 ms -> 910 ms is the longest gap
    }

    @Test
    void aWindowWithNoSuccessfulWriteIsOneGapFromStartToEnd() {
        Tally t = new Tally();
        t.record(true, Outcome.UNKNOWN, 10 * MS, 20 * MS);

        assertEquals(2000, t.between(0, 2000 * MS).longestWriteGapMillis());
    }
}
