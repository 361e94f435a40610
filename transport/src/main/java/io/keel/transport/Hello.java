package io.keel.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The initiator's first frame: who it is, whom it wants, in which cluster, speaking which protocol, for which
 * stream. Magic and version come first and stay where they are in every version, so any version can tell a Keel
 * peer of another version from garbage.
 *
 * @param kindCode raw stream kind byte; {@link StreamKind#ofCode} may not know it
 */
record Hello(int protocolVersion, byte kindCode, long clusterId, long senderId, long targetId) {
    /** "KEEL". */
    static final int MAGIC = 0x4B45454C;
    static final int PROTOCOL_VERSION = 1;
    private static final int PAYLOAD_BYTES = 4 + 2 + 1 + 8 + 8 + 8;

    static Hello of(StreamKind kind, long clusterId, long senderId, long targetId) {
        return new Hello(PROTOCOL_VERSION, kind.code, clusterId, senderId, targetId);
    }

    StreamKind kind() {
        return StreamKind.ofCode(kindCode);
    }

    ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf buf = FrameCodec.start(alloc, FrameType.HELLO, PAYLOAD_BYTES);
        buf.writeInt(MAGIC).writeShort(protocolVersion).writeByte(kindCode)
                .writeLong(clusterId).writeLong(senderId).writeLong(targetId);
        return buf;
    }

    /**
     * Reads a HELLO. A peer of another version may lay out the rest differently: its fields are read only if the
     * payload has this version's size, and are 0 otherwise (they only serve the log line of the refusal).
     */
    static Hello decode(ByteBuf payload) throws WireFormatException {
        if (payload.readableBytes() < 6 || payload.getInt(payload.readerIndex()) != MAGIC) {
            throw new WireFormatException("HELLO without the Keel magic: not a Keel peer");
        }
        payload.skipBytes(4);
        int version = payload.readUnsignedShort();
        if (payload.readableBytes() != PAYLOAD_BYTES - 6) {
            if (version == PROTOCOL_VERSION) {
                throw new WireFormatException("HELLO of " + (payload.readableBytes() + 6) + " bytes, expected " + PAYLOAD_BYTES);
            }
            return new Hello(version, (byte) 0, 0, 0, 0);
        }
        return new Hello(version, payload.readByte(), payload.readLong(), payload.readLong(), payload.readLong());
    }

    @Override
    public String toString() {
        return "member " + Texts.id(senderId) + " of cluster " + Texts.id(clusterId) + " (protocol v" + protocolVersion
                + ", " + (kind() == null ? "stream kind " + kindCode : kind()) + ") wanting member " + Texts.id(targetId);
    }
}
