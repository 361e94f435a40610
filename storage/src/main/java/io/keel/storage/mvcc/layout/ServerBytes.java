package io.keel.storage.mvcc.layout;

/**
 * A record of the server's own bytes in {@code meta}: crc32c(4) | the bytes. How the cluster record and the auth
 * record are stored, each under a key of its own.
 */
final class ServerBytes {
    private ServerBytes() {
    }

    /** The record holding {@code bytes}, sealed for {@code key}. */
    static byte[] encode(byte[] key, byte[] bytes) {
        byte[] value = new byte[Checksum.SIZE + bytes.length];
        System.arraycopy(bytes, 0, value, Checksum.SIZE, bytes.length);
        Checksum.seal(key, value);
        return value;
    }

    /** The bytes stored under {@code key}, checked, or null when none were ever written. */
    static byte[] read(ReadSource reads, byte[] key, String what) {
        byte[] value = reads.get(Column.META, key);
        if (value == null) return null;
        Checksum.verify(key, value, Column.META, what);
        byte[] bytes = new byte[value.length - Checksum.SIZE];
        System.arraycopy(value, Checksum.SIZE, bytes, 0, bytes.length);
        return bytes;
    }
}
