package io.keel.storage.mvcc.api;

/** etcd's DeleteRangeRequest: deletes the live keys of {@link KeyRange}{@code (key, rangeEnd)}. */
public record DeleteRangeRequest(byte[] key, byte[] rangeEnd, boolean prevKv) implements Operation, TxnOp {

    public DeleteRangeRequest {
        rangeEnd = rangeEnd == null ? KeyValue.EMPTY : rangeEnd;
    }

    public static DeleteRangeRequest of(KeyRange range) {
        return new DeleteRangeRequest(range.key(), range.rangeEnd(), false);
    }

    public static DeleteRangeRequest key(byte[] key) {
        return of(KeyRange.single(key));
    }

    public DeleteRangeRequest withPrevKv() {
        return new DeleteRangeRequest(key, rangeEnd, true);
    }

    public KeyRange range() {
        return new KeyRange(key, rangeEnd);
    }

    @Override
    public String toString() {
        return "DeleteRange" + range() + (prevKv ? "[prev_kv]" : "");
    }
}
