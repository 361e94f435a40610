package io.keel.storage.mvcc.api;

import java.util.List;

/**
 * etcd's TxnRequest: if every compare holds against the state before the transaction, the success ops run,
 * otherwise the failure ops; all writes share one revision.
 */
public record TxnRequest(List<Compare> compare, List<TxnOp> success, List<TxnOp> failure)
        implements Operation, TxnOp {

    public TxnRequest {
        compare = compare == null ? List.of() : List.copyOf(compare);
        success = success == null ? List.of() : List.copyOf(success);
        failure = failure == null ? List.of() : List.copyOf(failure);
    }

    /** A transaction that only reads can be answered without going through Raft. */
    public boolean isReadOnly() {
        return readOnly(success) && readOnly(failure);
    }

    private static boolean readOnly(List<TxnOp> ops) {
        for (TxnOp op : ops) {
            if (op instanceof PutRequest || op instanceof DeleteRangeRequest
                    || (op instanceof TxnRequest t && !t.isReadOnly())) {
                return false;
            }
        }
        return true;
    }
}
