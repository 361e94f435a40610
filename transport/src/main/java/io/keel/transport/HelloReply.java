package io.keel.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;

/**
 * The responder's answer to {@link Hello}. It carries the responder's identity too, so the initiator checks the
 * other direction (it reached the member and cluster it wanted, running on the data directory the cluster knows for
 * it, with the same election timing), and on refusal the reason, so both sides log the same sentence.
 *
 * <p>Layout: the v1 fields and the reason, then, in an acceptance only, the responder's incarnation and timing. A
 * refusal keeps v1's layout exactly, so a v1 member that is refused for its version can still read why.
 */
record HelloReply(int protocolVersion, Refusal refusal, long clusterId, long responderId, long initiatorId,
                  String reason, long incarnation, ElectionTiming timing) {
    private static final int FIXED_BYTES = 4 + 2 + 1 + 1 + 8 + 8 + 8 + 2;
    private static final int ACCEPTANCE_BYTES = 8 + 8 + 8 + 8;

    /** An acceptance with no incarnation or timing: what a transport without them (tests) would answer. */
    static HelloReply accepted(long clusterId, long responderId, long initiatorId) {
        return accepted(clusterId, responderId, initiatorId, 0, ElectionTiming.NONE);
    }

    static HelloReply accepted(long clusterId, long responderId, long initiatorId, long incarnation,
                               ElectionTiming timing) {
        return new HelloReply(Hello.PROTOCOL_VERSION, null, clusterId, responderId, initiatorId, "", incarnation, timing);
    }

    static HelloReply refused(Refusal refusal, long clusterId, long responderId, long initiatorId, String reason) {
        return new HelloReply(Hello.PROTOCOL_VERSION, refusal, clusterId, responderId, initiatorId, reason, 0,
                ElectionTiming.NONE);
    }

    boolean isAccepted() {
        return refusal == null;
    }

    ByteBuf encode(ByteBufAllocator alloc) {
        byte[] text = Texts.utf8Truncated(reason, Texts.MAX_REASON_BYTES);
        int extra = isAccepted() ? ACCEPTANCE_BYTES : 0;
        ByteBuf buf = FrameCodec.start(alloc, FrameType.HELLO_REPLY, FIXED_BYTES + text.length + extra);
        buf.writeInt(Hello.MAGIC).writeShort(protocolVersion)
                .writeByte(refusal == null ? 0 : 1).writeByte(refusal == null ? 0 : refusal.code)
                .writeLong(clusterId).writeLong(responderId).writeLong(initiatorId)
                .writeShort(text.length).writeBytes(text);
        if (isAccepted()) {
            buf.writeLong(incarnation);
            Hello.writeTiming(buf, timing);
        }
        return buf;
    }

    static HelloReply decode(ByteBuf payload) throws WireFormatException {
        if (payload.readableBytes() < FIXED_BYTES || payload.readInt() != Hello.MAGIC) {
            throw new WireFormatException("HELLO_REPLY malformed: not a Keel peer");
        }
        int version = payload.readUnsignedShort();
        boolean refused = payload.readByte() != 0;
        Refusal refusal = Refusal.ofCode(payload.readByte());
        long cluster = payload.readLong();
        long responder = payload.readLong();
        long initiator = payload.readLong();
        int textBytes = payload.readUnsignedShort();
        int after = payload.readableBytes() - textBytes;
        // A v1 acceptance has nothing after the reason; judgeReply refuses it for its version.
        if (after != 0 && after != ACCEPTANCE_BYTES) throw new WireFormatException("HELLO_REPLY reason length mismatch");
        String reason = payload.readCharSequence(textBytes, StandardCharsets.UTF_8).toString();
        long incarnation = 0;
        ElectionTiming timing = ElectionTiming.NONE;
        if (after == ACCEPTANCE_BYTES) {
            incarnation = payload.readLong();
            timing = Hello.readTiming(payload);
        }
        return new HelloReply(version, refused ? refusal : null, cluster, responder, initiator, reason, incarnation, timing);
    }
}
