package io.keel.storage.mvcc.api;

/**
 * A CRC32C over every stored version up to {@code revision}, as etcd's HashKV: members that applied the same
 * entries have the same hash, so a mismatch at the same revision reveals a divergent or corrupt member.
 */
public record KeyspaceHash(int hash, long revision, long compactRevision) {}
