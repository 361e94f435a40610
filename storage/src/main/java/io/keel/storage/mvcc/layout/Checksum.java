package io.keel.storage.mvcc.layout;

import io.keel.storage.mvcc.api.CorruptionException;
import java.util.function.Supplier;
import java.util.zip.CRC32C;

/**
 * CRC32C of stored records. Each record's checksum covers its RocksDB key as well as its value, so a value that
 * ends up under the wrong key is caught like a flipped bit. (The Raft log's values carry their own index, so its
 * checksum covers the value only: {@code io.keel.storage.log.ValueChecksum}.)
 */
public final class Checksum {
    static final int SIZE = 4;

    private Checksum() {}

    /** CRC32C of {@code key} followed by {@code value[from..]}. */
    static int of(byte[] key, byte[] value, int from) {
        CRC32C crc = new CRC32C();
        crc.update(key, 0, key.length);
        crc.update(value, from, value.length - from);
        return (int) crc.getValue();
    }

    /** Checks the CRC32C stored in the first four bytes of {@code value}; {@code what} names the record. */
    public static void verify(byte[] key, byte[] value, Column column, String what) {
        verify(key, value, column, () -> what);
    }

    /**
     * As {@link #verify(byte[], byte[], Column, String)}, describing the record only if it is corrupt: reads verify
     * every record they touch, and formatting a printable key for each was a measurable part of applying a put.
     */
    public static void verify(byte[] key, byte[] value, Column column, Supplier<String> what) {
        if (value.length < SIZE) {
            throw corrupt(column, what.get(), "record is " + value.length + " bytes, shorter than its checksum");
        }
        int stored = Layout.getInt(value, 0);
        int actual = of(key, value, SIZE);
        if (stored != actual) {
            throw corrupt(column, what.get(),
                    String.format("crc32c mismatch (stored %08x, computed %08x)", stored, actual));
        }
    }

    static void seal(byte[] key, byte[] value) {
        Layout.putInt(value, 0, of(key, value, SIZE));
    }

    public static CorruptionException corrupt(Column column, String what, String detail) {
        return new CorruptionException("corrupt record in column family '" + column.cfName() + "': " + what
                + ": " + detail);
    }
}
