package io.keel.storage.mvcc.layout;

import io.keel.storage.mvcc.api.KeyValue;
import java.util.Arrays;

/**
 * A HISTORY value: one version of a key, or a tombstone, at the revision its RocksDB key names.
 * Layout: crc32c(4) | kind(1) | key length(4) | key | create revision(8) | version(8) | lease(8) | value.
 * A tombstone has zeros for create revision, version and lease, and no value, as in etcd.
 */
public record HistoryRecord(boolean tombstone, KeyValue kv) {
    private static final byte PUT = 1;
    private static final byte TOMBSTONE = 2;
    private static final int FIXED = Checksum.SIZE + 1 + 4 + 24;

    public static byte[] encode(byte[] revisionKey, KeyValue kv, boolean tombstone) {
        byte[] key = kv.key();
        byte[] value = tombstone ? KeyValue.EMPTY : kv.value();
        byte[] b = new byte[FIXED + key.length + value.length];
        b[Checksum.SIZE] = tombstone ? TOMBSTONE : PUT;
        Layout.putInt(b, Checksum.SIZE + 1, key.length);
        int at = Checksum.SIZE + 5;
        System.arraycopy(key, 0, b, at, key.length);
        at += key.length;
        if (!tombstone) {
            Layout.putLong(b, at, kv.createRevision());
            Layout.putLong(b, at + 8, kv.version());
            Layout.putLong(b, at + 16, kv.lease());
        }
        System.arraycopy(value, 0, b, at + 24, value.length);
        Checksum.seal(revisionKey, b);
        return b;
    }

    public static HistoryRecord decode(byte[] revisionKey, byte[] b) {
        Checksum.verify(revisionKey, b, Column.HISTORY, () -> RevisionKey.describe(revisionKey));
        if (b.length < FIXED || revisionKey.length != RevisionKey.SIZE) {
            throw Checksum.corrupt(Column.HISTORY, RevisionKey.describe(revisionKey), "record too short");
        }
        byte kind = b[Checksum.SIZE];
        int keyLength = Layout.getInt(b, Checksum.SIZE + 1);
        if ((kind != PUT && kind != TOMBSTONE) || keyLength < 0 || keyLength > b.length - FIXED) {
            throw Checksum.corrupt(Column.HISTORY, RevisionKey.describe(revisionKey),
                    "bad kind " + kind + " or key length " + keyLength);
        }
        int at = Checksum.SIZE + 5;
        byte[] key = Arrays.copyOfRange(b, at, at + keyLength);
        at += keyLength;
        long modRevision = RevisionKey.main(revisionKey);
        if (kind == TOMBSTONE) {
            return new HistoryRecord(true, KeyValue.tombstone(key, modRevision));
        }
        byte[] value = Arrays.copyOfRange(b, at + 24, b.length);
        return new HistoryRecord(false, new KeyValue(key, Layout.getLong(b, at), modRevision,
                Layout.getLong(b, at + 8), value, Layout.getLong(b, at + 16)));
    }
}
