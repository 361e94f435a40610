package io.keel.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits the byte stream into {@link Frame}s. The length prefix is checked against the limit before any byte of
 * the frame is waited for, so a peer announcing a huge frame costs nothing: memory per connection stays below the
 * limit plus one read. Before the handshake the limit is tiny (an unauthenticated peer cannot make this member
 * buffer a full-size frame); the handshake raises it.
 *
 * <p>After the first bad frame the decoder discards everything: the stream has lost its framing, and the
 * connection is being closed by {@link ConnectionGuard}.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    /** Enough for HELLO and HELLO_REPLY with a reason of {@link Texts#MAX_REASON_BYTES}. */
    static final int HANDSHAKE_LIMIT = 1024;

    private int maxFrameBytes;
    private boolean failed;

    FrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Raised once the peer is known. Called on the channel's event loop. */
    void maxFrameBytes(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    /**
     * Stops decoding: a handler found the connection's input bad. Frames already received behind the bad one must
     * not be delivered while the connection closes.
     */
    void discardRest() {
        failed = true;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws WireFormatException {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < FrameCodec.LENGTH_BYTES) return;
        long length = in.getUnsignedInt(in.readerIndex());
        if (length < 1) {
            throw fail(in, new WireFormatException("frame length 0: a frame has at least its type byte"));
        }
        if (length > maxFrameBytes) {
            throw fail(in, new FrameTooLargeException(length, maxFrameBytes));
        }
        if (in.readableBytes() < FrameCodec.LENGTH_BYTES + length) return;
        FrameType type;
        try {
            type = FrameType.ofCode(in.getByte(in.readerIndex() + FrameCodec.LENGTH_BYTES));
        } catch (WireFormatException e) {
            throw fail(in, e);
        }
        in.skipBytes(FrameCodec.HEADER_BYTES);
        out.add(new Frame(type, in.readRetainedSlice((int) length - 1)));
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        decode(ctx, in, out);
        if (!failed && in.isReadable()) {
            int left = in.readableBytes();
            in.skipBytes(left);
            throw new WireFormatException("connection ended inside a frame (" + left + " bytes of it received)");
        }
    }

    private WireFormatException fail(ByteBuf in, WireFormatException e) {
        failed = true;
        in.skipBytes(in.readableBytes());
        return e;
    }
}
