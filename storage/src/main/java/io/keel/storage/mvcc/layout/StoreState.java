package io.keel.storage.mvcc.layout;

import io.keel.storage.failure.StorageFailedException;
import io.keel.storage.mvcc.api.Keys;

/**
 * The META record, rewritten in every batch with the data it describes: the last applied Raft index, the
 * store's revision and the compacted revision. Because it is in the same atomic write, a crash can never leave
 * data and applied index disagreeing. Layout: crc32c(4) | format(4) | applied(8) | revision(8) | compacted(8).
 */
public record StoreState(long appliedIndex, long revision, long compactRevision) {
    public static final byte[] KEY = Keys.utf8("state");
    static final int FORMAT = 1;
    /** etcd: an empty store is at revision 1, so the first write makes revision 2. */
    public static final StoreState EMPTY = new StoreState(0, 1, 0);
    private static final int SIZE = Checksum.SIZE + 4 + 24;

    public byte[] encode() {
        byte[] b = new byte[SIZE];
        Layout.putInt(b, 4, FORMAT);
        Layout.putLong(b, 8, appliedIndex);
        Layout.putLong(b, 16, revision);
        Layout.putLong(b, 24, compactRevision);
        Checksum.seal(KEY, b);
        return b;
    }

    public static StoreState decode(byte[] b) {
        Checksum.verify(KEY, b, Column.META, "store state");
        if (b.length != SIZE) {
            throw Checksum.corrupt(Column.META, "store state", "bad length " + b.length);
        }
        int format = Layout.getInt(b, 4);
        if (format != FORMAT) {
            throw new StorageFailedException("store format " + format + " is not supported (this build reads "
                    + FORMAT + "); refusing to open rather than misread it", null);
        }
        return new StoreState(Layout.getLong(b, 8), Layout.getLong(b, 16), Layout.getLong(b, 24));
    }

    StoreState withApplied(long index) {
        return new StoreState(index, revision, compactRevision);
    }
}
