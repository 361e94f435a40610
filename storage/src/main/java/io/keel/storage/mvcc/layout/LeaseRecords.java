package io.keel.storage.mvcc.layout;

import io.keel.storage.mvcc.api.Keys;
import java.util.Arrays;

/**
 * LEASE and LEASE_KEY records. LEASE: id(8) -> crc32c(4) | granted TTL(8) [| last renewal's Raft index(8) [|
 * checkpointed remaining milliseconds(8)]] (the index is absent in records written before keep-alives were entries:
 * read as 0; the remaining time is present only once a checkpoint recorded one: absent reads as 0, none). LEASE_KEY:
 * id(8) | key -> crc32c(4), so the keys of one lease are contiguous and in key order (etcd revokes in sorted key order,
 * so every member assigns the same sub revisions).
 */
public final class LeaseRecords {
    private LeaseRecords() {}

    public static byte[] leaseKey(long id) {
        byte[] k = new byte[8];
        Layout.putLong(k, 0, id);
        return k;
    }

    public static byte[] leaseValue(byte[] leaseKey, long ttl, long renewedAt) {
        byte[] v = new byte[Checksum.SIZE + 16];
        Layout.putLong(v, Checksum.SIZE, ttl);
        Layout.putLong(v, Checksum.SIZE + 8, renewedAt);
        Checksum.seal(leaseKey, v);
        return v;
    }

    /** With a checkpointed remaining time; 0 writes the record without one (as before checkpoints). */
    public static byte[] leaseValue(byte[] leaseKey, long ttl, long renewedAt, long remainingMillis) {
        if (remainingMillis == 0) return leaseValue(leaseKey, ttl, renewedAt);
        byte[] v = new byte[Checksum.SIZE + 24];
        Layout.putLong(v, Checksum.SIZE, ttl);
        Layout.putLong(v, Checksum.SIZE + 8, renewedAt);
        Layout.putLong(v, Checksum.SIZE + 16, remainingMillis);
        Checksum.seal(leaseKey, v);
        return v;
    }

    /** The remaining time the last checkpoint recorded, in milliseconds (0: none). */
    public static long remainingMillis(byte[] leaseKey, byte[] value) {
        checked(leaseKey, value);
        return value.length == Checksum.SIZE + 24 ? Layout.getLong(value, Checksum.SIZE + 16) : 0;
    }

    public static long ttl(byte[] leaseKey, byte[] value) {
        checked(leaseKey, value);
        return Layout.getLong(value, Checksum.SIZE);
    }

    /** The Raft index of the entry that granted or last renewed the lease (0 if not recorded). */
    public static long renewedAt(byte[] leaseKey, byte[] value) {
        checked(leaseKey, value);
        return value.length >= Checksum.SIZE + 16 ? Layout.getLong(value, Checksum.SIZE + 8) : 0;
    }

    private static void checked(byte[] leaseKey, byte[] value) {
        Checksum.verify(leaseKey, value, Column.LEASE, () -> "lease " + Layout.getLong(leaseKey, 0));
        if (value.length != Checksum.SIZE + 8 && value.length != Checksum.SIZE + 16
                && value.length != Checksum.SIZE + 24) {
            throw Checksum.corrupt(Column.LEASE, "lease " + Layout.getLong(leaseKey, 0), "bad length " + value.length);
        }
    }

    public static byte[] attachmentKey(long id, byte[] key) {
        byte[] k = new byte[8 + key.length];
        Layout.putLong(k, 0, id);
        System.arraycopy(key, 0, k, 8, key.length);
        return k;
    }

    public static byte[] attachmentValue(byte[] attachmentKey) {
        byte[] v = new byte[Checksum.SIZE];
        Checksum.seal(attachmentKey, v);
        return v;
    }

    /** The attached key, after checking the record. */
    public static byte[] attachedKey(byte[] attachmentKey, byte[] value) {
        Checksum.verify(attachmentKey, value, Column.LEASE_KEY, () -> "attachment " + Keys.printable(attachmentKey));
        return Arrays.copyOfRange(attachmentKey, 8, attachmentKey.length);
    }

    public static boolean belongsTo(byte[] attachmentKey, byte[] leaseKey) {
        return attachmentKey.length > 8 && Arrays.equals(attachmentKey, 0, 8, leaseKey, 0, 8);
    }
}
