package io.keel.storage.log;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.keel.raft.proto.HardState;
import io.keel.raft.proto.SnapshotMetadata;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

import java.nio.charset.StandardCharsets;

/**
 * The records of the {@code meta} column family: the member's identity, the directory's incarnation, the hard state
 * and the metadata of the snapshot the log starts after. Each is written whole, sealed with its checksum; all are
 * written when a directory is initialized, so a missing one is damage, not "none yet" — except the incarnation,
 * which directories written before it existed lack until their first open assigns one.
 */
final class MetaRecords {
    static final byte[] IDENTITY = key("identity");
    static final byte[] INCARNATION = key("incarnation");
    static final byte[] HARD_STATE = key("hard-state");
    static final byte[] SNAPSHOT = key("snapshot");

    private MetaRecords() {
    }

    static void putIdentity(WriteBatch batch, LogDatabase db, MemberIdentity identity) throws RocksDBException {
        batch.put(db.meta, IDENTITY, identity.encode());
    }

    static void putIncarnation(WriteBatch batch, LogDatabase db, long incarnation) throws RocksDBException {
        batch.put(db.meta, INCARNATION, Incarnation.encode(incarnation));
    }

    static void putHardState(WriteBatch batch, LogDatabase db, HardState hs) throws RocksDBException {
        batch.put(db.meta, HARD_STATE, ValueChecksum.seal(hs.toByteArray()));
    }

    static void putSnapshot(WriteBatch batch, LogDatabase db, SnapshotMetadata meta) throws RocksDBException {
        batch.put(db.meta, SNAPSHOT, ValueChecksum.seal(meta.toByteArray()));
    }

    /** The identity, or null when the directory was never initialized. */
    static MemberIdentity readIdentity(LogDatabase db) throws RocksDBException {
        byte[] value = db.db.get(db.meta, IDENTITY);
        return value == null ? null : MemberIdentity.decode(db.dir, value);
    }

    /** The directory's incarnation, or 0 when it has none yet (written by a version before incarnations). */
    static long readIncarnation(LogDatabase db) throws RocksDBException {
        byte[] value = db.db.get(db.meta, INCARNATION);
        return value == null ? 0 : Incarnation.decode(db.dir, value);
    }

    static HardState readHardState(LogDatabase db) throws RocksDBException {
        return read(db, HARD_STATE, "hard state", HardState.parser());
    }

    static SnapshotMetadata readSnapshot(LogDatabase db) throws RocksDBException {
        return read(db, SNAPSHOT, "snapshot metadata", SnapshotMetadata.parser());
    }

    private static <T extends MessageLite> T read(LogDatabase db, byte[] key, String name, Parser<T> parser)
            throws RocksDBException {
        byte[] value = db.db.get(db.meta, key);
        if (value == null) throw CorruptLogException.record(db.dir, name, "is missing");
        if (!ValueChecksum.intact(value)) throw CorruptLogException.record(db.dir, name, "failed its checksum");
        try {
            return parser.parseFrom(value, ValueChecksum.LENGTH, value.length - ValueChecksum.LENGTH);
        } catch (InvalidProtocolBufferException e) {
            throw CorruptLogException.record(db.dir, name, "passed its checksum but does not parse");
        }
    }

    private static byte[] key(String name) {
        return name.getBytes(StandardCharsets.US_ASCII);
    }
}
