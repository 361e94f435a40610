/**
 * Reads. Client reads run against a RocksDB snapshot ({@link io.keel.storage.mvcc.read.SnapshotReads}), so a range
 * and the revision in its header come from one instant. {@link io.keel.storage.mvcc.read.RevisionReader} reads keys
 * at a revision: current-revision reads use {@code current} (one seek); past-revision reads use {@code key_index}
 * (one seekForPrev per key) and {@code history}. {@link io.keel.storage.mvcc.read.RangeQuery} is etcd's Range on top
 * of it, {@link io.keel.storage.mvcc.read.ChangeFeed} replays history for watches, and
 * {@link io.keel.storage.mvcc.read.KeyspaceHasher} is etcd's HashKV. The apply thread reads through the same
 * {@code RevisionReader} over its batch instead ({@code apply.BatchReads}).
 */
package io.keel.storage.mvcc.read;
