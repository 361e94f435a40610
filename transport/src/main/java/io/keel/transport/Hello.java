package io.keel.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The initiator's first frame: who it is, whom it wants, in which cluster, speaking which protocol, for which
 * stream; since protocol v2 also which data directory it runs on (its incarnation, 0 for none) and its election
 * timing. Magic and version come first and stay where they are in every version, so any version can tell a Keel
 * peer of another version from garbage.
 *
 * @param kindCode raw stream kind byte; {@link StreamKind#ofCode} may not know it
 */
record Hello(int protocolVersion, byte kindCode, long clusterId, long senderId, long targetId, long incarnation,
             ElectionTiming timing) {
    /** "KEEL". */
    static final int MAGIC = 0x4B45454C;
    /**
     * v2 added the incarnation and the election timing (issue 10). A v1 member reads a v2 HELLO as "another version"
     * and refuses it with WRONG_PROTOCOL_VERSION, and a v2 member refuses a v1 HELLO the same way: v1 carries
     * neither, so accepting it would skip both checks. v3 (issue 16) adds the lease messages (MSG_LEASE_KEEP_ALIVE,
     * MSG_LEASE_TIME_TO_LIVE and their responses), which a v2 member refuses as unknown message types (closing the
     * connection), and its members write LeaseCheckpoint entries a v2 member cannot apply: v2 and v3 refuse each other.
     * v4 (issue 12) writes puts, deletes, txns and compactions as etcd's own request messages, entries a v3 member
     * stops on at apply (fail-stop): refused at the handshake instead, a mixed cluster never forms and an old member
     * never meets an entry it cannot apply.
     */
    static final int PROTOCOL_VERSION = 4;
    private static final int PAYLOAD_BYTES = 4 + 2 + 1 + 8 + 8 + 8 + 8 + 8 + 8 + 8;

    /** A HELLO of another version, or one built by hand in a test: no incarnation, no timing. */
    Hello(int protocolVersion, byte kindCode, long clusterId, long senderId, long targetId) {
        this(protocolVersion, kindCode, clusterId, senderId, targetId, 0, ElectionTiming.NONE);
    }

    static Hello of(StreamKind kind, long clusterId, long senderId, long targetId) {
        return new Hello(PROTOCOL_VERSION, kind.code, clusterId, senderId, targetId);
    }

    /** This member's HELLO to {@code targetId}, with its incarnation and timing. */
    static Hello of(StreamKind kind, TransportConfig config, long targetId) {
        return new Hello(PROTOCOL_VERSION, kind.code, config.clusterId, config.localId, targetId, config.incarnation,
                config.timing);
    }

    StreamKind kind() {
        return StreamKind.ofCode(kindCode);
    }

    ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf buf = FrameCodec.start(alloc, FrameType.HELLO, PAYLOAD_BYTES);
        buf.writeInt(MAGIC).writeShort(protocolVersion).writeByte(kindCode)
                .writeLong(clusterId).writeLong(senderId).writeLong(targetId).writeLong(incarnation);
        writeTiming(buf, timing);
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
        return new Hello(version, payload.readByte(), payload.readLong(), payload.readLong(), payload.readLong(),
                payload.readLong(), readTiming(payload));
    }

    static void writeTiming(ByteBuf buf, ElectionTiming timing) {
        buf.writeLong(timing.heartbeatMillis()).writeLong(timing.electionTimeoutMillis()).writeDouble(timing.maxClockDrift());
    }

    static ElectionTiming readTiming(ByteBuf buf) throws WireFormatException {
        long heartbeat = buf.readLong();
        long election = buf.readLong();
        double drift = buf.readDouble();
        try {
            return new ElectionTiming(heartbeat, election, drift);
        } catch (IllegalArgumentException e) {
            throw new WireFormatException("HELLO with " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "member " + Texts.id(senderId) + " of cluster " + Texts.id(clusterId) + " (protocol v" + protocolVersion
                + ", " + (kind() == null ? "stream kind " + kindCode : kind()) + ", incarnation " + Texts.id(incarnation)
                + ") wanting member " + Texts.id(targetId);
    }
}
