package io.keel.storage.mvcc.layout;

import io.keel.storage.mvcc.api.ClusterRecordWrite;
import io.keel.storage.mvcc.api.Keys;

/**
 * The server's cluster record in {@code meta}: crc32c(4) | the server's bytes. Absent until the first
 * {@link ClusterRecordWrite}.
 */
public final class ClusterRecord {
    public static final byte[] KEY = Keys.utf8("cluster");

    private ClusterRecord() {
    }

    /** The record holding the server's {@code record}, to be written under {@link #KEY} in {@code meta}. */
    public static byte[] encode(byte[] record) {
        byte[] value = new byte[Checksum.SIZE + record.length];
        System.arraycopy(record, 0, value, Checksum.SIZE, record.length);
        Checksum.seal(KEY, value);
        return value;
    }

    /** The record's bytes, or null when none was ever written. */
    public static byte[] read(ReadSource reads) {
        byte[] value = reads.get(Column.META, KEY);
        if (value == null) return null;
        Checksum.verify(KEY, value, Column.META, "cluster record");
        byte[] record = new byte[value.length - Checksum.SIZE];
        System.arraycopy(value, Checksum.SIZE, record, 0, record.length);
        return record;
    }
}
