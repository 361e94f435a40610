package io.keel.storage.mvcc;

/**
 * What one committed Raft entry asks of the store. Every operation is applied at one revision: the writes it
 * makes share the next main revision; one that writes nothing leaves the revision as it is.
 */
public sealed interface Operation
        permits PutRequest, DeleteRangeRequest, TxnRequest, CompactRequest, LeaseGrantRequest, LeaseRevokeRequest,
                LeaseRenewRequest, LeaseExpireRequest, ClusterRecordWrite, NoOp {}
