package io.keel.storage.mvcc.layout;

import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.Keys;
import java.util.Arrays;

/**
 * A CURRENT value: the live version of the key it is stored under.
 * Layout: crc32c(4) | create revision(8) | mod revision(8) | version(8) | lease(8) | value.
 */
public final class CurrentRecord {
    private static final int FIXED = Checksum.SIZE + 32;

    private CurrentRecord() {}

    public static byte[] encode(KeyValue kv) {
        byte[] value = kv.value();
        byte[] b = new byte[FIXED + value.length];
        Layout.putLong(b, 4, kv.createRevision());
        Layout.putLong(b, 12, kv.modRevision());
        Layout.putLong(b, 20, kv.version());
        Layout.putLong(b, 28, kv.lease());
        System.arraycopy(value, 0, b, FIXED, value.length);
        Checksum.seal(kv.key(), b);
        return b;
    }

    /**
     * The record's leading fields (revisions, version, lease) as a record of their own with an empty value, sealed
     * under {@code key}: what the apply thread keeps of a key it wrote, since a put needs those fields of the
     * version it replaces and rarely its value. {@code record} is verified first, so a leading record is only ever
     * made from a sound one.
     */
    public static byte[] leading(byte[] key, byte[] record) {
        verify(key, record);
        if (record.length == FIXED) return record;
        byte[] b = Arrays.copyOf(record, FIXED);
        Checksum.seal(key, b);
        return b;
    }

    public static KeyValue decode(byte[] key, byte[] b) {
        verify(key, b);
        return new KeyValue(key, Layout.getLong(b, 4), Layout.getLong(b, 12), Layout.getLong(b, 20),
                Arrays.copyOfRange(b, FIXED, b.length), Layout.getLong(b, 28));
    }

    /** As {@link #decode}, with an empty value whatever the record holds (a whole record or a leading one). */
    public static KeyValue decodeWithoutValue(byte[] key, byte[] b) {
        verify(key, b);
        return new KeyValue(key, Layout.getLong(b, 4), Layout.getLong(b, 12), Layout.getLong(b, 20),
                KeyValue.EMPTY, Layout.getLong(b, 28));
    }

    private static void verify(byte[] key, byte[] b) {
        Checksum.verify(key, b, Column.CURRENT, () -> "key " + Keys.printable(key));
        if (b.length < FIXED) {
            throw Checksum.corrupt(Column.CURRENT, "key " + Keys.printable(key), "record too short");
        }
    }
}
