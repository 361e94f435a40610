/**
 * How a write is applied, in one place. {@link io.keel.storage.mvcc.apply.Applier} applies one operation of a batch
 * to the {@link io.keel.storage.mvcc.apply.ApplyBatch} {@code MvccStore.applyAll} builds (etcd's applier: alarms,
 * leases, compaction, the server's records); {@link io.keel.storage.mvcc.apply.Transaction} runs a Txn as etcd 3.4
 * does (compares, then checks, then ops); {@link io.keel.storage.mvcc.apply.RevisionWriter} writes each version of a
 * key to HISTORY, KEY_INDEX and CURRENT at one main revision and moves its lease attachment; {@link
 * io.keel.storage.mvcc.apply.Compactor} removes history below a revision. Reads inside a write
 * ({@link io.keel.storage.mvcc.apply.BatchReads}) go to the apply thread's caches of current and lease records
 * ({@link io.keel.storage.mvcc.apply.RecordCaches}), whose pending layer follows the batch and its save points, and
 * to the database, or through an indexed batch for an entry applied again into one. Only the apply thread uses this
 * package.
 */
package io.keel.storage.mvcc.apply;
