package io.keel.transport;

import io.keel.raft.proto.Message;
import io.netty.buffer.ByteBuf;

/**
 * Lets the benchmarks (package io.keel.benchmarks) call the transport's package-private {@link FrameCodec}, so they
 * measure the code the transport runs, not a copy. Lives in the benchmarks module, in the transport's package
 * (a split package: fine on the class path, which is how the benchmarks run).
 */
public final class BenchmarkCodecAccess {
    private BenchmarkCodecAccess() {
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
