package io.keel.server.auth;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A union of key intervals [begin, end) (end null: no upper bound), as etcd's range permission cache merges a
 * user's permissions of one kind: a single-key permission is [key, key + "\0"), a permission with range end "\0"
 * reaches every key from its key on.
 */
final class KeyIntervals {
    private record Interval(byte[] begin, byte[] end) {
    }

    private final List<Interval> intervals = new ArrayList<>();

    /** Adds a permission's interval: {@code rangeEnd} empty is the key alone, "\0" is every key from it on. */
    void add(byte[] key, byte[] rangeEnd) {
        if (rangeEnd.length == 0) {
            intervals.add(new Interval(key, Arrays.copyOf(key, key.length + 1)));
        } else if (rangeEnd.length == 1 && rangeEnd[0] == 0) {
            intervals.add(new Interval(key, null));
        } else {
            intervals.add(new Interval(key, rangeEnd));
        }
    }

    /** Whether some interval holds {@code key} (etcd's check of a single-key request). */
    boolean containsKey(byte[] key) {
        for (Interval i : intervals) {
            if (Arrays.compareUnsigned(i.begin, key) <= 0 && (i.end == null || Arrays.compareUnsigned(key, i.end) < 0)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the intervals together cover [key, rangeEnd) ({@code rangeEnd} "\0": every key from {@code key} on),
     * etcd's check of a range request.
     */
    boolean covers(byte[] key, byte[] rangeEnd) {
        byte[] end = rangeEnd.length == 1 && rangeEnd[0] == 0 ? null : rangeEnd;
        if (end != null && Arrays.compareUnsigned(key, end) >= 0) return containsKey(key); // an empty range
        List<Interval> sorted = new ArrayList<>(intervals);
        sorted.sort(Comparator.comparing(Interval::begin, Arrays::compareUnsigned));
        byte[] reached = key; // everything in [key, reached) is covered
        for (Interval i : sorted) {
            if (Arrays.compareUnsigned(i.begin, reached) > 0) break; // a gap at `reached`
            if (i.end == null) return true;
            if (Arrays.compareUnsigned(i.end, reached) > 0) reached = i.end;
            if (end != null && Arrays.compareUnsigned(reached, end) >= 0) return true;
        }
        return false;
    }
}
