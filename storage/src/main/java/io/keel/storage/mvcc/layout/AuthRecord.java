package io.keel.storage.mvcc.layout;

import io.keel.storage.mvcc.api.AuthRecordWrite;
import io.keel.storage.mvcc.api.Keys;

/**
 * The server's auth record in {@code meta}: crc32c(4) | the server's bytes. Absent until the first
 * {@link AuthRecordWrite}. Stored like the cluster record ({@link ClusterRecord}), under a key of its own.
 */
public final class AuthRecord {
    public static final byte[] KEY = Keys.utf8("auth");

    private AuthRecord() {
    }

    /** The record holding the server's {@code record}, to be written under {@link #KEY} in {@code meta}. */
    public static byte[] encode(byte[] record) {
        return ServerBytes.encode(KEY, record);
    }

    /** The record's bytes, or null when none was ever written. */
    public static byte[] read(ReadSource reads) {
        return ServerBytes.read(reads, KEY, "auth record");
    }
}
