package io.keel.storage.mvcc.layout;

import io.keel.storage.mvcc.api.Keys;

/**
 * A HISTORY key: main revision then sub revision, 8 bytes each, big-endian, so RocksDB orders changes as they
 * happened (etcd's revision bytes, without its tombstone mark: the record says that).
 */
public final class RevisionKey {
    static final int SIZE = 16;

    private RevisionKey() {}

    public static byte[] of(long main, long sub) {
        byte[] k = new byte[SIZE];
        Layout.putLong(k, 0, main);
        Layout.putLong(k, 8, sub);
        return k;
    }

    public static long main(byte[] k) {
        return Layout.getLong(k, 0);
    }

    static long sub(byte[] k) {
        return Layout.getLong(k, 8);
    }

    public static String describe(byte[] k) {
        return k.length == SIZE ? "revision " + main(k) + "/" + sub(k) : "history key " + Keys.printable(k);
    }
}
