package io.keel.storage.log;

import io.keel.raft.log.EntrySizes;
import io.keel.raft.proto.Entry;

import java.util.ArrayList;
import java.util.List;

/**
 * The newest entries of the log, at most {@code capacity} of them and about {@code maxBytes} of payload, so that what
 * Raft asks of the tail costs no read: {@code term(index)} on every append, vote and commit, and the entries a leader
 * sends to its followers and every member hands to its state machine right after writing them. Reading them back
 * from RocksDB was the Raft thread's largest cost (a third of its CPU under 100 writing clients, in a profile).
 * <p>
 * A ring: entry i sits at slot i mod capacity. Covers [lo, hi] where hi is always the log's last index. It holds only
 * what was written in a write that has become durable (the store replays each published write into it), so it
 * answers exactly what a read would, without the checksum check: these entries never came from the disk. Not
 * thread-safe: the store guards it.
 */
final class RecentEntries {
    private final Entry[] entries;
    private final long mask;
    private final long maxBytes;
    private long lo;
    private long hi;
    /** Payload bytes of the entries in [lo, hi]. */
    private long bytes;

    RecentEntries(int capacity, long maxBytes) {
        if (capacity < 1 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two, not " + capacity);
        }
        if (maxBytes < 1) throw new IllegalArgumentException("maxBytes must be positive, not " + maxBytes);
        this.entries = new Entry[capacity];
        this.mask = capacity - 1;
        this.maxBytes = maxBytes;
        resetAfter(0);
    }

    /** The term of {@code index}, or -1 when it is not cached (terms are never negative). */
    long term(long index) {
        return index >= lo && index <= hi ? at(index).getTerm() : -1;
    }

    /**
     * Entries [from, to) limited to {@code maxBytes} as a read of the log limits them (the first always, then while
     * the total stays within), or null when not all of them are cached.
     */
    List<Entry> entries(long from, long to, long maxBytes) {
        if (from < lo || to - 1 > hi) return null;
        List<Entry> out = new ArrayList<>((int) Math.min(Math.max(to - from, 0), 256));
        long total = 0;
        for (long index = from; index < to; index++) {
            Entry e = at(index);
            total += EntrySizes.payload(e);
            if (!out.isEmpty() && total > maxBytes) break;
            out.add(e);
        }
        return out;
    }

    /** The log now ends at {@code lastIndex} with nothing cached (a new or restored log, a snapshot past the log). */
    void resetAfter(long lastIndex) {
        for (long index = lo; index <= hi; index++) entries[slot(index)] = null;
        lo = lastIndex + 1;
        hi = lastIndex;
        bytes = 0;
    }

    /** Entries were written from {@code written.get(0)} on, replacing anything at or after it. */
    void append(List<Entry> written) {
        if (written.isEmpty()) return;
        long first = written.get(0).getIndex();
        if (first > hi + 1 || first < lo) {
            resetAfter(first - 1);
        } else {
            while (hi >= first) dropNewest();
        }
        for (Entry e : written) {
            hi++;
            if (hi - lo > mask) dropOldest(); // the ring is full: hi's slot is lo's
            entries[slot(hi)] = e;
            bytes += EntrySizes.payload(e);
        }
        while (bytes > maxBytes && lo < hi) dropOldest(); // the newest entry stays even if larger than the bound
    }

    private void dropOldest() {
        bytes -= EntrySizes.payload(at(lo));
        entries[slot(lo)] = null;
        lo++;
    }

    private void dropNewest() {
        bytes -= EntrySizes.payload(at(hi));
        entries[slot(hi)] = null;
        hi--;
    }

    private Entry at(long index) {
        return entries[slot(index)];
    }

    private int slot(long index) {
        return (int) (index & mask);
    }
}
