package io.keel.transport;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * The frame layout, in one place: a 4-byte big-endian length (counting the type byte and the payload), one type
 * byte ({@link FrameType}), then the payload. Decoding with limits is {@link FrameDecoder}'s job.
 */
final class FrameCodec {
    static final int LENGTH_BYTES = 4;
    /** Length prefix plus type byte. */
    static final int HEADER_BYTES = LENGTH_BYTES + 1;

    private FrameCodec() {
    }

    /** A buffer holding the header of a frame whose payload (exactly payloadBytes) the caller writes next. */
    static ByteBuf start(ByteBufAllocator alloc, FrameType type, int payloadBytes) {
        ByteBuf buf = alloc.ioBuffer(HEADER_BYTES + payloadBytes);
        writeHeader(buf, type, payloadBytes);
        return buf;
    }

    static void writeHeader(ByteBuf out, FrameType type, int payloadBytes) {
        out.writeInt(1 + payloadBytes);
        out.writeByte(type.code);
    }

    /** Bytes a message takes on the wire, header included; what the outbound byte bounds count. */
    static int messageFrameBytes(Message m) {
        return HEADER_BYTES + m.getSerializedSize();
    }

    /** Appends one MESSAGE frame; out must have room for {@link #messageFrameBytes}. */
    static void writeMessage(ByteBuf out, Message m) {
        int size = m.getSerializedSize();
        writeHeader(out, FrameType.MESSAGE, size);
        writeProtobuf(out, m, size);
    }

    static void writeProtobuf(ByteBuf out, com.google.protobuf.MessageLite m, int size) {
        out.ensureWritable(size);
        // Serialise straight into the buffer's memory: no intermediate byte[] per message.
        ByteBuffer target = out.nioBuffer(out.writerIndex(), size);
        CodedOutputStream cos = CodedOutputStream.newInstance(target);
        try {
            m.writeTo(cos);
            cos.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException("protobuf size changed while serialising", e);
        }
        out.writerIndex(out.writerIndex() + size);
    }

    /** Parses a Raft message; unknown types are refused here so Raft never sees them. */
    static Message readMessage(ByteBuf payload) throws WireFormatException {
        Message m;
        try {
            m = Message.parseFrom(payload.nioBuffer());
        } catch (InvalidProtocolBufferException e) {
            throw new WireFormatException("not a raft message: " + e.getMessage(), e);
        }
        if (m.getType() == MessageType.UNRECOGNIZED || m.getType() == MessageType.MSG_UNKNOWN) {
            throw new UnknownMessageTypeException(m.getTypeValue());
        }
        return m;
    }

    /** A frame whose payload is a short UTF-8 text (refusal reasons). */
    static ByteBuf textFrame(ByteBufAllocator alloc, FrameType type, String text) {
        byte[] bytes = Texts.utf8Truncated(text, Texts.MAX_REASON_BYTES);
        ByteBuf buf = start(alloc, type, bytes.length);
        buf.writeBytes(bytes);
        return buf;
    }

    /** A frame with no payload. */
    static ByteBuf emptyFrame(ByteBufAllocator alloc, FrameType type) {
        return start(alloc, type, 0);
    }
}
