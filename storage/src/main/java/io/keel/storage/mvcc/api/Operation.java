package io.keel.storage.mvcc.api;

/**
 * What one committed Raft entry asks of the store. Every operation is applied at one revision: the writes it
 * makes share the next main revision; one that writes nothing leaves the revision as it is. The one exception is
 * {@link LeaseExpireBatchRequest}: each lease it revokes takes a revision of its own.
 */
public sealed interface Operation
        permits PutRequest, DeleteRangeRequest, TxnRequest, CompactRequest, LeaseGrantRequest, LeaseRevokeRequest,
                LeaseRenewRequest, LeaseExpireRequest, LeaseCheckpointRequest, ClusterRecordWrite, AuthRecordWrite,
                NoOp, AlarmRequest, LeaseExpireBatchRequest {

    /**
     * Whether applying this operation a second time, later, leaves the store as one application would have (as far
     * as any client can tell). Only such an operation may be proposed again when an earlier proposal of it may or
     * may not have been dropped: a follower forwards a pending one again to a new leader.
     */
    default boolean mayApplyTwice() {
        return false;
    }
}
