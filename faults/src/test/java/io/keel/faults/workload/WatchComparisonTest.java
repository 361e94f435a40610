package io.keel.faults.workload;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class WatchComparisonTest {
    private static final List<Long> HISTORY = List.of(3L, 5L, 6L, 9L, 12L);

    @Test
    void aWatcherThatGotEveryRevisionFromWhereItStartedPasses() {
        assertNull(WatchWorkload.compare(List.of(5L, 6L, 9L, 12L), HISTORY, 12));
    }

    @Test
    void aSkippedRevisionIsReported() {
        assertEquals("event 2 is revision 12 where revision 9 was due (previous: 6)",
                WatchWorkload.compare(List.of(5L, 6L, 12L), HISTORY, 12));
    }

    @Test
    void aRevisionDeliveredTwiceAfterAResumeIsReported() {
        assertEquals("event 2 is revision 6 where revision 9 was due (previous: 6)",
                WatchWorkload.compare(List.of(5L, 6L, 6L, 9L, 12L), HISTORY, 12));
    }

    @Test
    void aWatcherOfALiveMemberMustReachTheLastWrite() {
        assertEquals("stopped at revision 9, never got up to the last write at 12",
                WatchWorkload.compare(List.of(3L, 5L, 6L, 9L), HISTORY, 12));
        assertNull(WatchWorkload.compare(List.of(3L, 5L, 6L, 9L), HISTORY, -1)); // its member was removed
    }
}
