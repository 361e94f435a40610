/**
 * The durable Raft log on RocksDB: {@link io.keel.storage.log.RocksLogStorage} (raft-core's
 * {@link io.keel.raft.log.RaftStorage}, with MemoryStorage's exact behaviour) and
 * {@link io.keel.storage.log.GroupCommitLog} (many writers, one fsync).
 *
 * <p>What it guarantees, by fault (see shared/notes/fault-scenarios.md):
 * <ul>
 *   <li>9, 10: a write is acknowledged only after its fsync; a batch (entries + hard state + snapshot metadata) is
 *       atomic, so kill -9 at any point leaves either all of it or none;</li>
 *   <li>11: a torn WAL tail is dropped on open (WAL recovery mode, see {@code LogDatabase});</li>
 *   <li>12: every stored value carries a CRC32C checked on every read; damage stops the member, it is never served
 *       or taken for "absent";</li>
 *   <li>13: a write or fsync error is never retried: the store fails for good and tells its listener;</li>
 *   <li>15, 16: a data directory records its cluster and member id; a missing, empty or foreign directory is
 *       refused on open.</li>
 * </ul>
 */
package io.keel.storage.log;
