package io.keel.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The framing rules on Netty's in-memory channel, byte by byte. */
class FrameDecoderTest {

    @Test
    void framesSplitAcrossReadsAreReassembled() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1024));
        byte[] frame = RawPeer.message(Msgs.heartbeat(2, 1, 5));
        for (byte b : frame) ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        Frame f = ch.readInbound();
        assertEquals(FrameType.MESSAGE, f.type());
        assertEquals(frame.length - FrameCodec.HEADER_BYTES, f.payload().readableBytes());
        f.release();
        assertNull(ch.readInbound());
        ch.finishAndReleaseAll();
    }

    @Test
    void anOversizedPrefixFailsBeforeItsBytesArriveAndEverythingAfterIsDiscarded() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1024));
        DecoderException e = assertThrows(DecoderException.class,
                () -> ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 4, 1})));
        FrameTooLargeException tooLarge = assertInstanceOf(FrameTooLargeException.class, e.getCause());
        assertEquals(1025, tooLarge.length());
        // The stream lost its framing: even a valid frame after it is not decoded.
        ch.writeInbound(Unpooled.wrappedBuffer(RawPeer.message(Msgs.heartbeat(2, 1, 5))));
        assertNull(ch.readInbound());
        ch.finishAndReleaseAll();
    }

    @Test
    void theLimitCanBeRaisedAfterTheHandshake() {
        FrameDecoder decoder = new FrameDecoder(FrameDecoder.HANDSHAKE_LIMIT);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        decoder.maxFrameBytes(1 << 20);
        ch.writeInbound(Unpooled.wrappedBuffer(RawPeer.frame(FrameType.SNAPSHOT_CHUNK, new byte[100_000])));
        Frame f = ch.readInbound();
        assertEquals(100_000, f.payload().readableBytes());
        f.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void aStreamEndingInsideAFrameIsReported() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1024));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 10, 3, 1, 2}));
        DecoderException e = assertThrows(DecoderException.class, ch::finish);
        assertInstanceOf(WireFormatException.class, e.getCause());
    }
}
