/**
 * Keel's state machine: an MVCC key-value store with etcd v3 semantics on its own RocksDB instance.
 * {@link io.keel.storage.mvcc.MvccStore} is the entry point: it opens the store, applies committed Raft entries,
 * serves reads at a RocksDB snapshot, and turns any RocksDB failure into fail-stop
 * ({@link io.keel.storage.failure.FailStop}). Everything else is in the packages below it:
 *
 * <table>
 *   <caption>The store's packages</caption>
 *   <tr><th>package</th><th>what it holds</th></tr>
 *   <tr><td>{@code mvcc}</td><td>{@code MvccStore}, its options, its counters (etcd's mvcc metrics) and the
 *       count of live keys at open</td></tr>
 *   <tr><td>{@code mvcc.api}</td><td>what a caller sends and gets back: the operations applied through Raft
 *       ({@code Operation}) and their responses, reads, keys, values, events, etcd's errors, the checks that
 *       refuse bad input ({@code RequestChecks}) and the quota's cost of an operation</td></tr>
 *   <tr><td>{@code mvcc.layout}</td><td>what is on disk: the column families, every record's encoding and its
 *       checksum, the RocksDB instance and its durable writes</td></tr>
 *   <tr><td>{@code mvcc.apply}</td><td>how a write is applied: operations, transactions, revisions written to
 *       the batch, compaction, and the apply thread's caches</td></tr>
 *   <tr><td>{@code mvcc.read}</td><td>reads at a revision, ranges, the change feed for watches, the keyspace
 *       hash</td></tr>
 *   <tr><td>{@code mvcc.snapshot}</td><td>checkpoints of the store, sent to a member that is behind or kept as a
 *       backup, and their import</td></tr>
 * </table>
 *
 * <h2>How a put is written</h2>
 * {@code MvccStore.applyAll} builds one plain WriteBatch for a batch of entries ({@code apply.ApplyBatch}):
 * {@code apply.Applier} applies each operation ({@code apply.Transaction} for a Txn), and
 * {@code apply.RevisionWriter} writes each version to HISTORY, KEY_INDEX and CURRENT and moves its lease attachment,
 * through the record codecs of {@code mvcc.layout}. A refused operation is rolled back to its save point. The state
 * record (applied index, revision) goes into the same batch, and {@code layout.Database} writes it once: synced, or
 * unsynced when the Raft log is the durable record. An entry that must read what the batch holds beyond the caches'
 * pending layer (an iteration) has the entries before it written first, and is applied again on its own into a
 * WriteBatchWithIndex; each of those writes carries the state record of the entries it holds.
 */
package io.keel.storage.mvcc;
