package io.keel.storage.mvcc.api;

import java.util.Objects;

/**
 * Replaces the server's auth record (users, roles, whether authentication is on), opaque to the store, kept in
 * {@code meta} beside the applied index. Written in the same atomic batch as the entry that changed it, so the
 * record always matches the applied index, survives a restart and travels with store snapshots, as etcd keeps its
 * auth buckets in its backend. Leaves the key-value revision as it is (etcd's auth changes do not bump it).
 */
public record AuthRecordWrite(byte[] record) implements Operation {
    public AuthRecordWrite {
        Objects.requireNonNull(record, "record");
        record = record.clone();
    }

    @Override
    public byte[] record() {
        return record.clone();
    }
}
