package io.keel.storage.mvcc.api;

import java.util.Arrays;

/**
 * The keys a request covers, with etcd's conventions for {@code range_end}: empty means the single key
 * {@code key}; the single byte {@code "\0"} means every key {@code >= key}; anything else is the exclusive end
 * of {@code [key, range_end)}.
 */
public record KeyRange(byte[] key, byte[] rangeEnd) {

    private static final byte[] ALL_FROM = {0};

    public KeyRange {
        rangeEnd = rangeEnd == null ? KeyValue.EMPTY : rangeEnd;
    }

    public static KeyRange single(byte[] key) {
        return new KeyRange(key, KeyValue.EMPTY);
    }

    public static KeyRange atLeast(byte[] key) {
        return new KeyRange(key, ALL_FROM);
    }

    /** Every key starting with {@code prefix}, computed as etcd's clientv3.GetPrefixRangeEnd. */
    public static KeyRange prefix(byte[] prefix) {
        byte[] end = Arrays.copyOf(prefix, prefix.length);
        for (int i = end.length - 1; i >= 0; i--) {
            if ((end[i] & 0xff) < 0xff) {
                end[i]++;
                return new KeyRange(prefix, Arrays.copyOf(end, i + 1));
            }
        }
        return new KeyRange(prefix, ALL_FROM);
    }

    public boolean isSingleKey() {
        return rangeEnd.length == 0;
    }

    public boolean isUnbounded() {
        return rangeEnd.length == 1 && rangeEnd[0] == 0;
    }

    /** True if {@code k} is at or past the end of this range (so an ascending scan can stop). */
    public boolean isPastEnd(byte[] k) {
        if (isSingleKey()) {
            return Keys.compare(k, key) > 0;
        }
        return !isUnbounded() && Keys.compare(k, rangeEnd) >= 0;
    }

    public boolean contains(byte[] k) {
        if (isSingleKey()) {
            return Arrays.equals(k, key);
        }
        return Keys.compare(k, key) >= 0 && !isPastEnd(k);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyRange r && Arrays.equals(key, r.key) && Arrays.equals(rangeEnd, r.rangeEnd);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(key) + Arrays.hashCode(rangeEnd);
    }

    @Override
    public String toString() {
        return "[" + Keys.printable(key) + ", " + Keys.printable(rangeEnd) + ")";
    }
}
