package io.keel.raft.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The last events of a run, formatted only when a failure needs them. A line is formatted long after it was
 * recorded, from the members as they are then: a member that crashed or was removed since has no node any more, and
 * its line's supplier may throw. Such a line is printed as unformattable, and the rest of the trace still is.
 */
final class Trace {
    private final Object[] ring;
    private final long[] times;
    private int next;
    private long count;

    Trace(int capacity) {
        ring = new Object[capacity];
        times = new long[capacity];
    }

    /** Records a lazily formatted line. */
    void add(long time, Supplier<String> line) {
        ring[next] = line;
        times[next] = time;
        next = (next + 1) % ring.length;
        count++;
    }

    List<String> lines() {
        List<String> out = new ArrayList<>();
        int n = (int) Math.min(count, ring.length);
        for (int i = 0; i < n; i++) {
            int slot = (int) ((count - n + i) % ring.length);
            @SuppressWarnings("unchecked")
            Supplier<String> s = (Supplier<String>) ring[slot];
            out.add(String.format("%10.3fms  %s", times[slot] / 1e6, format(s)));
        }
        return out;
    }

    private static String format(Supplier<String> line) {
        try {
            return line.get();
        } catch (RuntimeException e) {
            return "(line no longer formattable: " + e + ")";
        }
    }
}
