package io.keel.storage.mvcc.layout;

import io.keel.storage.mvcc.api.Keys;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * A KEY_INDEX entry: "key had a version (or a tombstone) at revision main/sub".
 *
 * <p>RocksDB key: escape(user key) | 0x00 0x01 | main(8) | sub(8). The escaping (0x00 becomes 0x00 0xFF) and
 * the terminator keep user keys in their own order and keep one key's entries together: without it, key "a" at
 * some revision and a 17-byte key starting with "a" could be the same bytes. Within a key, entries are in
 * revision order, so "the version live at revision R" is one seekForPrev. Value: crc32c(4) | kind(1).
 */
public final class KeyIndexEntry {
    public static final byte PUT = 1;
    public static final byte TOMBSTONE = 2;
    private static final int REVISIONS = 16;
    private static final int VALUE_SIZE = Checksum.SIZE + 1;

    private KeyIndexEntry() {}

    /** Every entry of {@code userKey} starts with these bytes. */
    public static byte[] prefix(byte[] userKey) {
        int zeros = 0;
        for (byte b : userKey) {
            if (b == 0) {
                zeros++;
            }
        }
        byte[] p = new byte[userKey.length + zeros + 2];
        int at = 0;
        for (byte b : userKey) {
            p[at++] = b;
            if (b == 0) {
                p[at++] = (byte) 0xff;
            }
        }
        p[at++] = 0;
        p[at] = 1;
        return p;
    }

    public static byte[] key(byte[] prefix, long main, long sub) {
        byte[] k = Arrays.copyOf(prefix, prefix.length + REVISIONS);
        Layout.putLong(k, prefix.length, main);
        Layout.putLong(k, prefix.length + 8, sub);
        return k;
    }

    /** Sorts after every entry of the key with this prefix and before the next key's: where to seek to skip it. */
    public static byte[] pastEnd(byte[] prefix) {
        byte[] k = Arrays.copyOf(prefix, prefix.length + REVISIONS);
        Arrays.fill(k, prefix.length, k.length, (byte) 0xff);
        return k;
    }

    public static boolean hasPrefix(byte[] entryKey, byte[] prefix) {
        return entryKey.length == prefix.length + REVISIONS
                && Arrays.equals(entryKey, 0, prefix.length, prefix, 0, prefix.length);
    }

    public static long main(byte[] entryKey) {
        return Layout.getLong(entryKey, entryKey.length - REVISIONS);
    }

    public static long sub(byte[] entryKey) {
        return Layout.getLong(entryKey, entryKey.length - 8);
    }

    public static byte[] prefixOf(byte[] entryKey) {
        checkShape(entryKey);
        return Arrays.copyOf(entryKey, entryKey.length - REVISIONS);
    }

    public static byte[] userKey(byte[] entryKey) {
        checkShape(entryKey);
        int end = entryKey.length - REVISIONS - 2;
        ByteArrayOutputStream out = new ByteArrayOutputStream(end);
        for (int i = 0; i < end; i++) {
            out.write(entryKey[i]);
            if (entryKey[i] == 0) {
                if (i + 1 >= end || entryKey[i + 1] != (byte) 0xff) {
                    throw Checksum.corrupt(Column.KEY_INDEX, "entry " + Keys.printable(entryKey), "bad key escaping");
                }
                i++;
            }
        }
        return out.toByteArray();
    }

    public static byte[] value(byte[] entryKey, byte kind) {
        byte[] v = new byte[VALUE_SIZE];
        v[Checksum.SIZE] = kind;
        Checksum.seal(entryKey, v);
        return v;
    }

    public static boolean isTombstone(byte[] entryKey, byte[] value) {
        Checksum.verify(entryKey, value, Column.KEY_INDEX, () -> "entry " + Keys.printable(entryKey));
        if (value.length != VALUE_SIZE || (value[Checksum.SIZE] != PUT && value[Checksum.SIZE] != TOMBSTONE)) {
            throw Checksum.corrupt(Column.KEY_INDEX, "entry " + Keys.printable(entryKey), "bad kind");
        }
        return value[Checksum.SIZE] == TOMBSTONE;
    }

    private static void checkShape(byte[] entryKey) {
        int n = entryKey.length - REVISIONS;
        if (n < 2 || entryKey[n - 2] != 0 || entryKey[n - 1] != 1) {
            throw Checksum.corrupt(Column.KEY_INDEX, "entry " + Keys.printable(entryKey), "no key terminator");
        }
    }
}
