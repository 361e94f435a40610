package io.keel.storage.log;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Which cluster and which member a data directory belongs to, recorded when the directory is initialized and checked
 * on every open (faults 15 and 16).
 */
public record MemberIdentity(long clusterId, long memberId) {
    /** The on-disk format this code writes and reads; a directory of another format is refused (fault 19). */
    static final int FORMAT = 1;

    public MemberIdentity {
        if (clusterId == 0) throw new IllegalArgumentException("cluster id 0 is reserved");
        if (memberId == 0) throw new IllegalArgumentException("member id 0 is reserved for 'none'");
    }

    byte[] encode() {
        return ValueChecksum.seal(ByteBuffer.allocate(Integer.BYTES + 2 * Long.BYTES)
                .putInt(FORMAT).putLong(clusterId).putLong(memberId).array());
    }

    static MemberIdentity decode(Path dir, byte[] value) {
        if (!ValueChecksum.intact(value)) {
            throw CorruptLogException.record(dir, "identity record", "failed its checksum");
        }
        ByteBuffer in = ByteBuffer.wrap(value, ValueChecksum.LENGTH, value.length - ValueChecksum.LENGTH);
        int format = in.getInt();
        if (format != FORMAT) throw WrongDataDirectoryException.unsupportedFormat(dir, format, FORMAT);
        if (in.remaining() != 2 * Long.BYTES) {
            throw CorruptLogException.record(dir, "identity record", "has " + in.remaining() + " bytes of ids");
        }
        return new MemberIdentity(in.getLong(), in.getLong());
    }

    @Override
    public String toString() {
        // Hex, as etcd and the rest of Keel print ids.
        return "cluster " + Long.toHexString(clusterId) + " member " + Long.toHexString(memberId);
    }
}
