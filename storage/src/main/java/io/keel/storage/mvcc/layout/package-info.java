/**
 * What the store keeps on disk: its RocksDB instance ({@link io.keel.storage.mvcc.layout.Database}, the one place a
 * batch reaches the disk), its column families ({@link io.keel.storage.mvcc.layout.Column}) and the encoding of every
 * record, each with its checksum ({@link io.keel.storage.mvcc.layout.Checksum}). The apply and read packages go
 * through these codecs; nothing else knows a record's bytes.
 *
 * <h2>Layout (column families, see {@link io.keel.storage.mvcc.layout.Column})</h2>
 * <pre>
 * meta       "state"                          -> applied Raft index, revision, compacted revision
 *            "live_keys"                      -> applied Raft index, number of keys in current
 *            "cluster"                        -> the server's cluster record (its member directory), opaque here
 *            "alarms"                         -> the raised alarms: (member id, etcd alarm type) each, sorted
 * history    main(8) sub(8)                   -> one version or tombstone: key, create rev, version, lease, value
 * key_index  esc(key) 00 01 main(8) sub(8)    -> put or tombstone
 * current    key                              -> the live version: create, mod, version, lease, value
 * lease      id(8)                            -> granted TTL, Raft index of the last grant or renewal
 * lease_key  id(8) key                        -> (attachment)
 * </pre>
 * Numbers are big-endian so RocksDB's byte order is numeric order. Every value starts with a CRC32C of its
 * RocksDB key and the rest of the value, checked on every read.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>Every write of an operation shares one main revision; sub revisions number them in execution order.</li>
 *   <li>{@code current} holds exactly the keys whose last {@code key_index} entry is a put, with that version;
 *       {@code key_index} and {@code history} have the same (key, revision) pairs.</li>
 *   <li>{@code lease_key} holds (L, k) exactly when {@code current[k].lease == L}.</li>
 *   <li>Below the compacted revision C, each key keeps at most its last version at or below C, never a
 *       tombstone.</li>
 *   <li>{@code meta} is rewritten in the same synced write as the data it describes: data and applied index
 *       never disagree, whatever the moment of a crash. Its live-key count is the number of keys in
 *       {@code current} when its applied index is the state's (else the store counts them at open).</li>
 * </ul>
 */
package io.keel.storage.mvcc.layout;
