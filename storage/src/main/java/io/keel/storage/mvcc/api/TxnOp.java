package io.keel.storage.mvcc.api;

/** One operation inside a transaction's success or failure branch (etcd's RequestOp). */
public sealed interface TxnOp permits RangeRequest, PutRequest, DeleteRangeRequest, TxnRequest {}
