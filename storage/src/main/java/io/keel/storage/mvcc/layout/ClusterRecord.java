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
        return ServerBytes.encode(KEY, record);
    }

    /** The record's bytes, or null when none was ever written. */
    public static byte[] read(ReadSource reads) {
        return ServerBytes.read(reads, KEY, "cluster record");
    }
}
