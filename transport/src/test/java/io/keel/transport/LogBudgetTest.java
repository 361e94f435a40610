package io.keel.transport;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LogBudgetTest {

    @Test
    void aFloodIsCutAfterTheBurstAndTheNextLineLoggedCountsWhatWasLeftOut() {
        LogBudget budget = new LogBudget();
        for (int i = 0; i < 20; i++) {
            assertEquals(0, budget.take(), "line " + i + " of the burst is logged");
        }
        assertEquals(-1, budget.take(), "the 21st line at once is left out");
        int[] leftOut = {1};
        long[] reported = {-1};
        // Lines keep coming; the first one let through once a token comes back reports every line refused before it.
        Await.until(() -> {
            long left = budget.take();
            if (left < 0) leftOut[0]++;
            else reported[0] = left;
            return left >= 0;
        }, () -> "no line was let through after the burst");
        assertEquals(leftOut[0], reported[0]);
    }
}
