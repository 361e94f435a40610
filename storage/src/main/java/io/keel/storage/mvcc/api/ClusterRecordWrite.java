package io.keel.storage.mvcc.api;

import java.util.Objects;

/**
 * Replaces the server's cluster record (its member directory), opaque to the store, kept in {@code meta} beside the
 * applied index. Written in the same atomic batch as the entry that changed it, so the record always matches the
 * applied index, survives a restart and travels with store snapshots. Leaves the revision as it is (etcd's
 * membership changes do not bump the key-value revision either).
 */
public record ClusterRecordWrite(byte[] record) implements Operation {
    public ClusterRecordWrite {
        Objects.requireNonNull(record, "record");
        record = record.clone();
    }

    @Override
    public byte[] record() {
        return record.clone();
    }
}
