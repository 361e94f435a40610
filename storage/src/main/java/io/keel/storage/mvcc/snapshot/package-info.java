/**
 * Snapshots of the store, for a member that is too far behind and for backups:
 * {@link io.keel.storage.mvcc.snapshot.Snapshots} takes a RocksDB checkpoint of every column family at one applied
 * index, {@link io.keel.storage.mvcc.snapshot.SnapshotExport} reads it as checksummed chunks described by a
 * {@link io.keel.storage.mvcc.snapshot.SnapshotManifest}, and {@link io.keel.storage.mvcc.snapshot.SnapshotImport}
 * verifies them into a fresh store directory, which {@code MvccStore.open} then opens.
 */
package io.keel.storage.mvcc.snapshot;
