package io.keel.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;

/**
 * The responder's answer to {@link Hello}. It carries the responder's identity too, so the initiator checks the
 * other direction (it reached the member and cluster it wanted), and on refusal the reason, so both sides log the
 * same sentence.
 */
record HelloReply(int protocolVersion, Refusal refusal, long clusterId, long responderId, long initiatorId,
                  String reason) {
    private static final int FIXED_BYTES = 4 + 2 + 1 + 1 + 8 + 8 + 8 + 2;

    static HelloReply accepted(long clusterId, long responderId, long initiatorId) {
        return new HelloReply(Hello.PROTOCOL_VERSION, null, clusterId, responderId, initiatorId, "");
    }

    static HelloReply refused(Refusal refusal, long clusterId, long responderId, long initiatorId, String reason) {
        return new HelloReply(Hello.PROTOCOL_VERSION, refusal, clusterId, responderId, initiatorId, reason);
    }

    boolean isAccepted() {
        return refusal == null;
    }

    ByteBuf encode(ByteBufAllocator alloc) {
        byte[] text = Texts.utf8Truncated(reason, Texts.MAX_REASON_BYTES);
        ByteBuf buf = FrameCodec.start(alloc, FrameType.HELLO_REPLY, FIXED_BYTES + text.length);
        buf.writeInt(Hello.MAGIC).writeShort(protocolVersion)
                .writeByte(refusal == null ? 0 : 1).writeByte(refusal == null ? 0 : refusal.code)
                .writeLong(clusterId).writeLong(responderId).writeLong(initiatorId)
                .writeShort(text.length).writeBytes(text);
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
        if (textBytes != payload.readableBytes()) throw new WireFormatException("HELLO_REPLY reason length mismatch");
        String reason = payload.readCharSequence(textBytes, StandardCharsets.UTF_8).toString();
        return new HelloReply(version, refused ? refusal : null, cluster, responder, initiator, reason);
    }
}
