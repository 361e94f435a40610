package io.keel.storage.mvcc.api;

/**
 * The outcome of an operation. {@code revision()} is the store's revision once the operation is applied (etcd's
 * response header revision).
 */
public sealed interface Response
        permits RangeResponse, PutResponse, DeleteRangeResponse, TxnResponse, CompactResponse, LeaseGrantResponse,
                LeaseRevokeResponse, LeaseRenewResponse, LeaseExpireResponse, NoOpResponse, AlreadyApplied,
                AlarmResponse, LeaseExpireBatchResponse {
    long revision();
}
