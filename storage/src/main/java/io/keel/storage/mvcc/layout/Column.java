package io.keel.storage.mvcc.layout;

import java.nio.charset.StandardCharsets;

/** The store's RocksDB column families; every batch that changes one also rewrites {@link #META}. */
public enum Column {
    /** The applied Raft index, revision and compacted revision ({@link StoreState}). */
    META("meta"),
    /** revision (main, sub) -> every version and tombstone ever written: history reads, watches, hash. */
    HISTORY("history"),
    /** key + revision -> put or tombstone: which revision of a key was live at a past revision. */
    KEY_INDEX("key_index"),
    /** key -> its live version: the hot path (range and put at the current revision). */
    CURRENT("current"),
    /** lease id -> granted TTL. */
    LEASE("lease"),
    /** lease id + key -> nothing: the keys attached to a lease, in key order (revoke deletes them). */
    LEASE_KEY("lease_key");

    private final String cfName;

    Column(String cfName) {
        this.cfName = cfName;
    }

    public String cfName() {
        return cfName;
    }

    byte[] nameBytes() {
        return cfName.getBytes(StandardCharsets.UTF_8);
    }
}
