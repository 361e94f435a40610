package io.keel.storage.log;

import io.keel.raft.proto.Entry;

import java.util.List;

/**
 * The terms of the last {@code capacity} entries of the log, so that {@code term(index)} near the tail (what Raft asks
 * on every append, vote and commit) costs no read. A ring of longs: entry i's term sits at slot i mod capacity.
 * Covers [lo, hi] where hi is always the log's last index. Not thread-safe: the store guards it.
 */
final class RecentTerms {
    private final long[] terms;
    private final long mask;
    private long lo;
    private long hi;

    RecentTerms(int capacity) {
        if (capacity < 1 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two, not " + capacity);
        }
        this.terms = new long[capacity];
        this.mask = capacity - 1;
        resetAfter(0);
    }

    /** The term of {@code index}, or -1 when it is not cached (terms are never negative). */
    long term(long index) {
        return index >= lo && index <= hi ? terms[(int) (index & mask)] : -1;
    }

    /** The log now ends at {@code lastIndex} with nothing cached (a new or restored log, a snapshot past the log). */
    void resetAfter(long lastIndex) {
        lo = lastIndex + 1;
        hi = lastIndex;
    }

    /** Entries were written from {@code entries.get(0)} on, replacing anything at or after it. */
    void append(List<Entry> entries) {
        if (entries.isEmpty()) return;
        long first = entries.get(0).getIndex();
        if (first > hi + 1 || first < lo) {
            resetAfter(first - 1);
        } else {
            hi = first - 1;
        }
        for (Entry e : entries) {
            hi++;
            terms[(int) (hi & mask)] = e.getTerm();
        }
        lo = Math.max(lo, hi - mask);
    }
}
