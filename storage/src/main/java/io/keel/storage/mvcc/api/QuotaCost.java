package io.keel.storage.mvcc.api;

/**
 * etcd's estimate of how many bytes a write adds to the store (etcdserver/quota.go): a put costs its key and value
 * plus 256 bytes of metadata, a transaction the larger of its two branches' puts, a lease grant 64 bytes; anything
 * else (deletes, compaction, revokes) costs nothing. A write that costs something is refused while the NOSPACE
 * alarm is raised, and before it is proposed when it would take the store past its quota.
 *
 * <p>One difference from etcd: a put inside a nested transaction counts too (etcd 3.4 counts only the top level's,
 * which lets a nested put through under NOSPACE).
 */
public final class QuotaCost {
    /** etcd's kvOverhead. */
    static final int KV_OVERHEAD = 256;
    /** etcd's leaseOverhead. */
    static final int LEASE_OVERHEAD = 64;

    private QuotaCost() {
    }

    /** The bytes {@code op} is estimated to add; 0 for an operation that adds no data. */
    public static long of(Operation op) {
        if (op instanceof PutRequest p) return put(p);
        if (op instanceof TxnRequest t) return txn(t);
        if (op instanceof LeaseGrantRequest) return LEASE_OVERHEAD;
        return 0;
    }

    private static long put(PutRequest p) {
        return ofPut(length(p.key()), length(p.value()));
    }

    /** A put of a key and value of these sizes (for a put still in its client's message, not yet a record). */
    public static long ofPut(int keyBytes, int valueBytes) {
        return KV_OVERHEAD + keyBytes + valueBytes;
    }

    private static long txn(TxnRequest t) {
        return Math.max(branch(t.success()), branch(t.failure()));
    }

    private static long branch(java.util.List<TxnOp> ops) {
        long sum = 0;
        for (TxnOp op : ops) {
            if (op instanceof PutRequest p) sum += put(p);
            else if (op instanceof TxnRequest nested) sum += txn(nested);
        }
        return sum;
    }

    private static int length(byte[] b) {
        return b == null ? 0 : b.length;
    }
}
