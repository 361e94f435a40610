package io.keel.faults.workload;

import java.util.ArrayList;
import java.util.List;

/**
 * Every operation a workload ran, as outcome and times only, so availability can be told per fault: how many
 * completed, failed (definitely did not happen) or ended unknown, and the longest stretch with no write succeeding.
 */
public final class Tally {
    public enum Outcome { OK, FAILED, UNKNOWN }

    private record Entry(boolean write, Outcome outcome, long invokedAt, long completedAt) {
    }

    private final List<Entry> entries = new ArrayList<>();

    public synchronized void record(boolean write, Outcome outcome, long invokedAt, long completedAt) {
        entries.add(new Entry(write, outcome, invokedAt, completedAt));
    }

    /** The counts of the operations invoked in [from, to) (System.nanoTime). */
    public synchronized Counts between(long from, long to) {
        long ok = 0;
        long failed = 0;
        long unknown = 0;
        List<Long> writes = new ArrayList<>();
        for (Entry e : entries) {
            if (e.outcome == Outcome.OK && e.write && e.completedAt >= from && e.completedAt < to) {
                writes.add(e.completedAt);
            }
            if (e.invokedAt < from || e.invokedAt >= to) continue;
            switch (e.outcome) {
                case OK -> ok++;
                case FAILED -> failed++;
                case UNKNOWN -> unknown++;
            }
        }
        writes.sort(null);
        long last = from;
        long gap = 0;
        for (long t : writes) {
            gap = Math.max(gap, t - last);
            last = t;
        }
        gap = Math.max(gap, to - last);
        return new Counts(ok, failed, unknown, gap / 1_000_000);
    }

    /** Operation counts of one fault's window; {@code longestWriteGapMillis}: longest time with no write succeeding. */
    public record Counts(long completed, long failed, long unknown, long longestWriteGapMillis) {
        @Override
        public String toString() {
            return completed + " ok, " + failed + " failed, " + unknown + " unknown, no write for "
                    + String.format("%.1f s", longestWriteGapMillis / 1000.0);
        }
    }
}
