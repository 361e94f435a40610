/**
 * What a caller of {@link io.keel.storage.mvcc.MvccStore} sends and gets back. {@link
 * io.keel.storage.mvcc.api.Operation} is every change applied through Raft (puts, deletes, transactions, leases,
 * compaction, alarms, the server's records), {@link io.keel.storage.mvcc.api.Response} every answer; reads are
 * {@link io.keel.storage.mvcc.api.RangeRequest} and {@link io.keel.storage.mvcc.api.TxnRequest}. A request etcd
 * would refuse raises {@link io.keel.storage.mvcc.api.MvccException} with etcd's code and text
 * ({@link io.keel.storage.mvcc.api.EtcdError}); {@link io.keel.storage.mvcc.api.RequestChecks} refuses malformed
 * input before anything is written. Keys are compared as etcd does ({@link io.keel.storage.mvcc.api.Keys}).
 */
package io.keel.storage.mvcc.api;
