package io.keel.transport;

import io.keel.raft.proto.Message;
import io.netty.buffer.ByteBuf;

/**
 * The wire format of one Raft message frame, as the transport writes and reads it ({@link FrameCodec}), for code
 * outside the transport that must measure or check that format (the benchmarks' {@code FrameCodecBenchmark}), so it
 * runs the transport's own code, not a copy. The transport itself uses {@link FrameCodec} directly.
 */
public final class MessageFrames {
    private MessageFrames() {
    }

    /** Bytes of one MESSAGE frame on the wire, header included. */
    public static int messageFrameBytes(Message m) {
        return FrameCodec.messageFrameBytes(m);
    }

    /** Writes one MESSAGE frame (length, type, protobuf serialised straight into the buffer), as the sender does. */
    public static void writeMessage(ByteBuf out, Message m) {
        FrameCodec.writeMessage(out, m);
    }

    /**
     * Reads one MESSAGE frame as the receiving side does: the length prefix and type byte (what {@link FrameDecoder}
     * checks), then {@link FrameCodec#readMessage} on the payload.
     */
    public static Message readMessageFrame(ByteBuf in) throws WireFormatException {
        int length = in.readInt();
        byte type = in.readByte();
        if (type != FrameType.MESSAGE.code) throw new WireFormatException("not a MESSAGE frame: " + type);
        ByteBuf payload = in.readSlice(length - 1);
        return FrameCodec.readMessage(payload);
    }
}
