/**
 * How a write is applied, in one place. {@link io.keel.storage.mvcc.apply.Applier} applies one operation of a batch
 * to the WriteBatchWithIndex {@code MvccStore.applyAll} builds (etcd's applier: alarms, leases, compaction, the
 * server's records); {@link io.keel.storage.mvcc.apply.Transaction} runs a Txn as etcd 3.4 does (compares, then
 * checks, then ops); {@link io.keel.storage.mvcc.apply.RevisionWriter} writes each version of a key to HISTORY,
 * KEY_INDEX and CURRENT at one main revision and moves its lease attachment; {@link
 * io.keel.storage.mvcc.apply.Compactor} removes history below a revision. Reads inside a write go through the batch
 * ({@link io.keel.storage.mvcc.apply.BatchReads}) and the apply thread's caches of current and lease records
 * ({@link io.keel.storage.mvcc.apply.RecordCaches}), which follow the batch's save points. Only the apply thread
 * uses this package.
 */
package io.keel.storage.mvcc.apply;
