package io.keel.storage.mvcc.read;

import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.Keys;
import io.keel.storage.mvcc.api.KeyspaceHash;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.RevisionCompactedException;
import io.keel.storage.mvcc.layout.Checksum;
import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.layout.ReadSource;
import io.keel.storage.mvcc.layout.RevisionKey;
import io.keel.storage.mvcc.layout.StoreState;
import java.util.zip.CRC32C;
import org.rocksdb.RocksIterator;

/**
 * etcd's HashKV: a CRC32C over every HISTORY record (key and value bytes) up to a revision. Compaction here is
 * complete once applied, so no record below the compacted revision needs skipping.
 */
public final class KeyspaceHasher {
    private static final byte[] BUCKET = Keys.utf8("key");

    private KeyspaceHasher() {}

    public static KeyspaceHash hash(SnapshotReads reads, long revision) {
        StoreState state = reads.state();
        if (revision > 0 && revision <= state.compactRevision()) {
            throw new RevisionCompactedException(state.compactRevision());
        }
        if (revision > state.revision()) {
            throw new MvccException(EtcdError.FUTURE_REVISION);
        }
        long upTo = revision <= 0 ? state.revision() : revision;
        CRC32C crc = new CRC32C();
        crc.update(BUCKET);
        try (RocksIterator it = reads.iterator(Column.HISTORY)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] revisionKey = it.key();
                if (RevisionKey.main(revisionKey) > upTo) {
                    break;
                }
                byte[] value = it.value();
                // Hashing corrupt bytes would only report a divergence; checking names the record.
                Checksum.verify(revisionKey, value, Column.HISTORY, () -> RevisionKey.describe(revisionKey));
                crc.update(revisionKey);
                crc.update(value);
            }
            ReadSource.finish(it, Column.HISTORY);
        }
        return new KeyspaceHash((int) crc.getValue(), state.revision(), state.compactRevision());
    }
}
