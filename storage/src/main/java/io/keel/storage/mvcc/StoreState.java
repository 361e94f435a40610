package io.keel.storage.mvcc;

import io.keel.storage.failure.StorageFailedException;

/**
 * The META record, rewritten in every batch with the data it describes: the last applied Raft index, the
 * store's revision, the compacted revision and the number of keys with a live version. Because it is in the same
 * atomic write, a crash can never leave data, applied index and key count disagreeing.
 *
 * <p>Layout, format 2: crc32c(4) | format(4) | applied(8) | revision(8) | compacted(8) | live keys(8). Format 1 (the
 * releases before the count) lacks the last field; it is read with the count {@link #UNKNOWN_LIVE_KEYS}, which the
 * store then counts once from CURRENT ({@link LiveKeys}), and its next write records format 2. A format this build
 * does not know is refused, never guessed at.
 */
record StoreState(long appliedIndex, long revision, long compactRevision, long liveKeys) {
    static final byte[] KEY = Keys.utf8("state");
    static final int FORMAT = 2;
    /** The format before the live-key count: still read, never written. */
    static final int FORMAT_WITHOUT_LIVE_KEYS = 1;
    /** A format-1 record's count: not recorded. */
    static final long UNKNOWN_LIVE_KEYS = -1;
    /** etcd: an empty store is at revision 1, so the first write makes revision 2. */
    static final StoreState EMPTY = new StoreState(0, 1, 0, 0);
    private static final int SIZE_WITHOUT_LIVE_KEYS = Checksum.SIZE + 4 + 24;
    private static final int SIZE = SIZE_WITHOUT_LIVE_KEYS + 8;

    byte[] encode() {
        if (liveKeys < 0) {
            throw new IllegalStateException("the live-key count must be known before the store state is written");
        }
        byte[] b = new byte[SIZE];
        Layout.putInt(b, 4, FORMAT);
        Layout.putLong(b, 8, appliedIndex);
        Layout.putLong(b, 16, revision);
        Layout.putLong(b, 24, compactRevision);
        Layout.putLong(b, 32, liveKeys);
        Checksum.seal(KEY, b);
        return b;
    }

    static StoreState decode(byte[] b) {
        Checksum.verify(KEY, b, Column.META, "store state");
        if (b.length < SIZE_WITHOUT_LIVE_KEYS) {
            throw Checksum.corrupt(Column.META, "store state", "bad length " + b.length);
        }
        int format = Layout.getInt(b, 4);
        int size = format == FORMAT_WITHOUT_LIVE_KEYS ? SIZE_WITHOUT_LIVE_KEYS : SIZE;
        if (format != FORMAT && format != FORMAT_WITHOUT_LIVE_KEYS) {
            throw new StorageFailedException("store format " + format + " is not supported (this build reads "
                    + FORMAT_WITHOUT_LIVE_KEYS + " and " + FORMAT + "); refusing to open rather than misread it: "
                    + "run the release that wrote it, or restore this member from a snapshot of a member on this "
                    + "release", null);
        }
        if (b.length != size) {
            throw Checksum.corrupt(Column.META, "store state", "bad length " + b.length + " for format " + format);
        }
        long liveKeys = format == FORMAT ? Layout.getLong(b, 32) : UNKNOWN_LIVE_KEYS;
        return new StoreState(Layout.getLong(b, 8), Layout.getLong(b, 16), Layout.getLong(b, 24), liveKeys);
    }

    StoreState withApplied(long index) {
        return new StoreState(index, revision, compactRevision, liveKeys);
    }

    StoreState withLiveKeys(long count) {
        return new StoreState(appliedIndex, revision, compactRevision, count);
    }
}
