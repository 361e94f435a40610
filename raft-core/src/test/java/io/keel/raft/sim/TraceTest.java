package io.keel.raft.sim;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceTest {

    /** A member crashed or removed after its line was recorded has no node: its line's supplier throws. */
    private static final class Member {
        Object node = "node 3 LEADER term=4";
    }

    @Test
    void aLineWhoseMemberIsGoneIsPrintedAsUnformattableAndTheOthersStillAre() {
        Trace trace = new Trace(10);
        Member m = new Member();
        trace.add(1_000_000, () -> "before");
        trace.add(2_000_000, () -> "n3 is " + m.node.toString());
        trace.add(3_000_000, () -> "after");
        m.node = null; // the member is decommissioned before the trace is printed

        List<String> lines = trace.lines();

        assertEquals(3, lines.size());
        assertEquals("     1.000ms  before", lines.get(0));
        assertTrue(lines.get(1).startsWith("     2.000ms  (line no longer formattable: java.lang.NullPointerException"),
                lines.get(1));
        assertEquals("     3.000ms  after", lines.get(2));
    }

    @Test
    void keepsOnlyTheNewestLinesInOrderOnceTheRingWrapsAround() {
        Trace trace = new Trace(2);
        trace.add(1_000_000, () -> "first");
        trace.add(2_000_000, () -> "second");
        trace.add(3_000_000, () -> "third");

        assertEquals(List.of("     2.000ms  second", "     3.000ms  third"), trace.lines());
    }
}
