package io.keel.storage.mvcc.layout;

import io.keel.storage.mvcc.api.Keys;

/**
 * The number of keys with a live version (etcd's keys_total), kept in META beside the {@link StoreState} record and
 * rewritten in the same batch, so opening a store reads one record instead of counting CURRENT ({@code mvcc.LiveKeys}).
 *
 * <p>A record of its own, not a field of the state record, so that the state record's format stays the one every
 * release reads: a release that does not know this record opens the store as before and leaves the record behind
 * unchanged while it applies entries. The record therefore names the applied index it was written at; a record
 * from another applied index is stale and the store counts again. Layout: crc32c(4) | applied(8) | count(8).
 */
public final class LiveKeyCount {
    public static final byte[] KEY = Keys.utf8("live_keys");
    /** What {@link #decode} answers for a record that is missing or written at another applied index. */
    public static final long UNKNOWN = -1;
    private static final int SIZE = Checksum.SIZE + 16;

    private LiveKeyCount() {}

    public static byte[] encode(long appliedIndex, long count) {
        byte[] b = new byte[SIZE];
        Layout.putLong(b, Checksum.SIZE, appliedIndex);
        Layout.putLong(b, Checksum.SIZE + 8, count);
        Checksum.seal(KEY, b);
        return b;
    }

    /** The count the record holds for {@code appliedIndex}, or {@link #UNKNOWN}. */
    public static long decode(byte[] b, long appliedIndex) {
        if (b == null) return UNKNOWN;
        Checksum.verify(KEY, b, Column.META, "live-key count");
        if (b.length != SIZE) {
            throw Checksum.corrupt(Column.META, "live-key count", "bad length " + b.length);
        }
        return Layout.getLong(b, Checksum.SIZE) == appliedIndex ? Layout.getLong(b, Checksum.SIZE + 8) : UNKNOWN;
    }
}
