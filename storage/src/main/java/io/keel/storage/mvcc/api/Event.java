package io.keel.storage.mvcc.api;

/**
 * One change, as a watch delivers it: a PUT carries the new version, a DELETE carries the key and the revision
 * of the delete. {@code prevKv} is the version before the change when it was asked for and is still readable
 * (it is null when the change created the key, or when the previous version was compacted away, as in etcd).
 */
public record Event(Type type, KeyValue kv, KeyValue prevKv) {

    /** A PUT (a key created or changed) or a DELETE (a key deleted, or its lease expired or was revoked). */
    public enum Type { PUT, DELETE }
}
