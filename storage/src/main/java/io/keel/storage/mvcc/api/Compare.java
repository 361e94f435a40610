package io.keel.storage.mvcc.api;

/**
 * etcd's Compare: {@code target} of every key in {@link KeyRange}{@code (key, rangeEnd)} compared with a number
 * (VERSION, CREATE, MOD, LEASE) or with {@code value} (VALUE). A missing key compares as zeros, except that a
 * VALUE compare on a missing key always fails.
 */
public record Compare(Result result, Target target, byte[] key, byte[] rangeEnd, long number, byte[] value) {

    public enum Result { EQUAL, GREATER, LESS, NOT_EQUAL }

    public enum Target { VERSION, CREATE, MOD, VALUE, LEASE }

    public Compare {
        rangeEnd = rangeEnd == null ? KeyValue.EMPTY : rangeEnd;
        value = value == null ? KeyValue.EMPTY : value;
    }

    public static Compare version(byte[] key, Result result, long version) {
        return new Compare(result, Target.VERSION, key, null, version, null);
    }

    public static Compare createRevision(byte[] key, Result result, long revision) {
        return new Compare(result, Target.CREATE, key, null, revision, null);
    }

    public static Compare modRevision(byte[] key, Result result, long revision) {
        return new Compare(result, Target.MOD, key, null, revision, null);
    }

    public static Compare lease(byte[] key, Result result, long lease) {
        return new Compare(result, Target.LEASE, key, null, lease, null);
    }

    public static Compare value(byte[] key, Result result, byte[] value) {
        return new Compare(result, Target.VALUE, key, null, 0, value);
    }

    public Compare overRange(byte[] end) {
        return new Compare(result, target, key, end, number, value);
    }

    public KeyRange range() {
        return new KeyRange(key, rangeEnd);
    }

    @Override
    public String toString() {
        return target.name() + range() + " " + result + " " + (target == Target.VALUE ? Keys.printable(value) : number);
    }
}
