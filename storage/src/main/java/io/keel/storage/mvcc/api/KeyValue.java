package io.keel.storage.mvcc.api;

import java.util.Arrays;

/**
 * One version of a key, as etcd's {@code mvccpb.KeyValue}: the key, the revision that created its current
 * generation, the revision of this version, how many times it was put since it was created, its value and the
 * lease it is attached to (0 for none).
 *
 * <p>The arrays are not copied on the hot path: callers must treat them as read-only.
 */
public record KeyValue(byte[] key, long createRevision, long modRevision, long version, byte[] value, long lease) {

    public static final byte[] EMPTY = new byte[0];

    /** The kv a DELETE event carries: only the key and the revision of the delete, as etcd sends it. */
    public static KeyValue tombstone(byte[] key, long deleteRevision) {
        return new KeyValue(key, 0, deleteRevision, 0, EMPTY, 0);
    }

    /** The same version without its value, for keys_only ranges. */
    public KeyValue withoutValue() {
        return value.length == 0 ? this : new KeyValue(key, createRevision, modRevision, version, EMPTY, lease);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyValue kv
                && createRevision == kv.createRevision && modRevision == kv.modRevision
                && version == kv.version && lease == kv.lease
                && Arrays.equals(key, kv.key) && Arrays.equals(value, kv.value);
    }

    @Override
    public int hashCode() {
        int h = Arrays.hashCode(key);
        h = 31 * h + Long.hashCode(modRevision);
        h = 31 * h + Long.hashCode(createRevision);
        h = 31 * h + Long.hashCode(version);
        h = 31 * h + Long.hashCode(lease);
        return 31 * h + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "KeyValue[key=" + Keys.printable(key) + ", create=" + createRevision + ", mod=" + modRevision
                + ", version=" + version + ", lease=" + lease + ", value=" + Keys.printable(value) + "]";
    }
}
