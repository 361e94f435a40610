package io.keel.storage.mvcc.api;

/**
 * etcd's RangeRequest: the keys of {@link KeyRange}{@code (key, rangeEnd)} at {@code revision} (0 for the current
 * one), at most {@code limit} of them (0 for all), sorted, filtered by mod/create revision (0 for no bound).
 */
public record RangeRequest(byte[] key, byte[] rangeEnd, long limit, long revision, SortOrder sortOrder,
                           SortTarget sortTarget, boolean keysOnly, boolean countOnly, long minModRevision,
                           long maxModRevision, long minCreateRevision, long maxCreateRevision) implements TxnOp {

    public enum SortOrder { NONE, ASCEND, DESCEND }

    public enum SortTarget { KEY, VERSION, CREATE, MOD, VALUE }

    public RangeRequest {
        rangeEnd = rangeEnd == null ? KeyValue.EMPTY : rangeEnd;
        sortOrder = sortOrder == null ? SortOrder.NONE : sortOrder;
        sortTarget = sortTarget == null ? SortTarget.KEY : sortTarget;
    }

    public static RangeRequest of(KeyRange range) {
        return new RangeRequest(range.key(), range.rangeEnd(), 0, 0, SortOrder.NONE, SortTarget.KEY, false, false,
                0, 0, 0, 0);
    }

    public static RangeRequest key(byte[] key) {
        return of(KeyRange.single(key));
    }

    public KeyRange range() {
        return new KeyRange(key, rangeEnd);
    }

    public RangeRequest withLimit(long n) {
        return new RangeRequest(key, rangeEnd, n, revision, sortOrder, sortTarget, keysOnly, countOnly,
                minModRevision, maxModRevision, minCreateRevision, maxCreateRevision);
    }

    public RangeRequest atRevision(long rev) {
        return new RangeRequest(key, rangeEnd, limit, rev, sortOrder, sortTarget, keysOnly, countOnly,
                minModRevision, maxModRevision, minCreateRevision, maxCreateRevision);
    }

    public RangeRequest sorted(SortTarget target, SortOrder order) {
        return new RangeRequest(key, rangeEnd, limit, revision, order, target, keysOnly, countOnly,
                minModRevision, maxModRevision, minCreateRevision, maxCreateRevision);
    }

    public RangeRequest withKeysOnly() {
        return new RangeRequest(key, rangeEnd, limit, revision, sortOrder, sortTarget, true, countOnly,
                minModRevision, maxModRevision, minCreateRevision, maxCreateRevision);
    }

    public RangeRequest withCountOnly() {
        return new RangeRequest(key, rangeEnd, limit, revision, sortOrder, sortTarget, keysOnly, true,
                minModRevision, maxModRevision, minCreateRevision, maxCreateRevision);
    }

    public RangeRequest withModRevisions(long min, long max) {
        return new RangeRequest(key, rangeEnd, limit, revision, sortOrder, sortTarget, keysOnly, countOnly,
                min, max, minCreateRevision, maxCreateRevision);
    }

    public RangeRequest withCreateRevisions(long min, long max) {
        return new RangeRequest(key, rangeEnd, limit, revision, sortOrder, sortTarget, keysOnly, countOnly,
                minModRevision, maxModRevision, min, max);
    }

    /** etcd fetches everything when it must sort or filter before applying the limit. */
    public boolean needsAllBeforeLimit() {
        return sortOrder != SortOrder.NONE || minModRevision != 0 || maxModRevision != 0
                || minCreateRevision != 0 || maxCreateRevision != 0;
    }

    @Override
    public String toString() {
        return "Range" + range() + (revision != 0 ? " at " + revision : "") + (limit != 0 ? " limit " + limit : "")
                + (sortOrder != SortOrder.NONE || sortTarget != SortTarget.KEY ? " sort " + sortTarget + " "
                + sortOrder : "") + (keysOnly ? " keys_only" : "") + (countOnly ? " count_only" : "");
    }
}
