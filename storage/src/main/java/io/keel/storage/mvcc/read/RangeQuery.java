package io.keel.storage.mvcc.read;

import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.Keys;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.RangeResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/** etcd's Range as its applier does it: fetch (one extra for `more`), filter, sort, cut to the limit. */
public final class RangeQuery {
    private RangeQuery() {}

    public static RangeResponse execute(RevisionReader reader, RangeRequest r) {
        long rev = reader.resolve(r.revision());
        long fetch = r.needsAllBeforeLimit() || r.limit() <= 0 ? 0 : r.limit() + 1;
        RevisionReader.Scan scan = reader.scan(r.range(), rev, fetch, r.countOnly());
        List<KeyValue> kvs = scan.kvs();
        RangeRequest.SortOrder order = effectiveOrder(r);
        if (r.needsAllBeforeLimit() || order != RangeRequest.SortOrder.NONE) {
            kvs = new ArrayList<>(kvs);
            filter(kvs, r);
            sort(kvs, r.sortTarget(), order);
        }
        boolean more = false;
        if (r.limit() > 0 && kvs.size() > r.limit()) {
            kvs = kvs.subList(0, (int) r.limit());
            more = true;
        }
        if (r.keysOnly()) {
            List<KeyValue> keys = new ArrayList<>(kvs.size());
            kvs.forEach(kv -> keys.add(kv.withoutValue()));
            kvs = keys;
        }
        // etcd counts before filtering: count is what matched the range at the revision.
        return new RangeResponse(reader.currentRevision(), Collections.unmodifiableList(kvs), more, scan.count());
    }

    private static void filter(List<KeyValue> kvs, RangeRequest r) {
        if (r.maxModRevision() != 0) {
            kvs.removeIf(kv -> kv.modRevision() > r.maxModRevision());
        }
        if (r.minModRevision() != 0) {
            kvs.removeIf(kv -> kv.modRevision() < r.minModRevision());
        }
        if (r.maxCreateRevision() != 0) {
            kvs.removeIf(kv -> kv.createRevision() > r.maxCreateRevision());
        }
        if (r.minCreateRevision() != 0) {
            kvs.removeIf(kv -> kv.createRevision() < r.minCreateRevision());
        }
    }

    /**
     * Results come in key order already; etcd sorts by default (ascending) only when the target is not the key.
     * With order NONE the limit was applied while fetching, so such a sort reorders only the first limit+1 keys,
     * exactly as etcd 3.4 does.
     */
    private static RangeRequest.SortOrder effectiveOrder(RangeRequest r) {
        if (r.sortOrder() == RangeRequest.SortOrder.NONE && r.sortTarget() != RangeRequest.SortTarget.KEY) {
            return RangeRequest.SortOrder.ASCEND;
        }
        return r.sortOrder();
    }

    private static void sort(List<KeyValue> kvs, RangeRequest.SortTarget target, RangeRequest.SortOrder order) {
        if (order == RangeRequest.SortOrder.NONE) {
            return;
        }
        Comparator<KeyValue> by = switch (target) {
            case KEY -> (a, b) -> Keys.compare(a.key(), b.key());
            case VERSION -> Comparator.comparingLong(KeyValue::version);
            case CREATE -> Comparator.comparingLong(KeyValue::createRevision);
            case MOD -> Comparator.comparingLong(KeyValue::modRevision);
            case VALUE -> (a, b) -> Keys.compare(a.value(), b.value());
        };
        kvs.sort(order == RangeRequest.SortOrder.DESCEND ? by.reversed() : by);
    }
}
