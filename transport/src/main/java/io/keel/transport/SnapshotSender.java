package io.keel.transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.keel.raft.proto.Message;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.zip.CRC32C;

/**
 * Streams one snapshot to one peer on a connection of its own: BEGIN (size and metadata), CHUNKs, END (CRC32C),
 * then waits for the receiver's ACCEPTED or REFUSED.
 *
 * <p>Flow control: the next chunk is read only when the previous one is written and the socket is writable, so at
 * most one chunk plus the socket's buffer is in memory however large the snapshot, and a slow receiver slows the
 * source instead of filling the heap. The source is read on the snapshot I/O pool, never on an event loop, which
 * also serves message connections.
 */
final class SnapshotSender extends ChannelInboundHandlerAdapter implements ClientHandshake.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotSender.class);

    private final TransportContext context;
    private final long peerId;
    private final Message meta;
    private final InputStream source;
    private final long size;
    private final CompletableFuture<Void> result;
    /** Updated on the snapshot I/O pool, one read at a time; read on the event loop after the last read. */
    private final CRC32C crc = new CRC32C();

    // Event-loop confined.
    private Channel channel;
    private long sent;
    private boolean started;
    private boolean reading;
    private boolean allSent;
    private boolean finished;
    private boolean sourceClosed;

    SnapshotSender(TransportContext context, long peerId, Message meta, InputStream source, long size,
                   CompletableFuture<Void> result) {
        this.context = context;
        this.peerId = peerId;
        this.meta = meta;
        this.source = source;
        this.size = size;
        this.result = result;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void accepted(Channel ch) {
        started = true;
        int metaBytes = meta.getSerializedSize();
        ByteBuf begin = FrameCodec.start(ch.alloc(), FrameType.SNAPSHOT_BEGIN, 8 + metaBytes);
        begin.writeLong(size);
        FrameCodec.writeProtobuf(begin, meta, metaBytes);
        ch.write(begin);
        if (size == 0) {
            endStream();
        }
        ch.flush();
        pump();
    }

    @Override
    public void failed(Channel ch, IOException cause) {
        finish(cause);
    }

    /** Connecting failed before any handshake could start. */
    void connectFailed(Throwable cause) {
        finish(new SnapshotTransferException("cannot connect to member " + Texts.id(peerId) + ": " + cause, cause));
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        pump();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws WireFormatException {
        Frame frame = (Frame) msg;
        try {
            switch (frame.type()) {
                case SNAPSHOT_ACCEPTED -> {
                    if (!allSent) throw new WireFormatException("SNAPSHOT_ACCEPTED before the whole snapshot was sent");
                    finish(null);
                }
                case SNAPSHOT_REFUSED -> finish(new SnapshotTransferException("member " + Texts.id(peerId)
                        + " refused the snapshot: " + frame.payload().toString(StandardCharsets.UTF_8)));
                default -> throw new WireFormatException("unexpected " + frame.type() + " from a snapshot receiver");
            }
        } finally {
            frame.release();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            finish(new SnapshotTransferException("snapshot to member " + Texts.id(peerId) + " made no progress for "
                    + context.config.snapshotIdleTimeout.toMillis() + " ms (" + sent + " of " + size + " bytes sent)"));
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        finish(cause);
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finish(new SnapshotTransferException("connection to member " + Texts.id(peerId) + " closed after " + sent
                + " of " + size + " bytes" + (allSent ? ", before the receiver confirmed" : "")));
        ctx.fireChannelInactive();
    }

    private void pump() {
        if (!started || finished || reading || allSent || !channel.isWritable()) return;
        reading = true;
        int n = (int) Math.min(context.config.snapshotChunkBytes, size - sent);
        long offset = sent;
        try {
            context.snapshotIo.execute(() -> readChunk(offset, n));
        } catch (RejectedExecutionException e) {
            reading = false;
            finish(new SnapshotTransferException("transport closing", e));
        }
    }

    /** On the snapshot I/O pool: reads the next chunk straight into a frame buffer. */
    private void readChunk(long offset, int n) {
        ByteBuf frame = null;
        try {
            frame = FrameCodec.start(channel.alloc(), FrameType.SNAPSHOT_CHUNK, n);
            int got = 0;
            while (got < n) {
                int r = frame.writeBytes(source, n - got);
                if (r < 0) {
                    throw new SnapshotTransferException("snapshot source ended after " + (offset + got) + " of "
                            + size + " bytes");
                }
                got += r;
            }
            crc.update(frame.nioBuffer(FrameCodec.HEADER_BYTES, n));
            boolean last = offset + n == size;
            if (last && source.read() != -1) {
                throw new SnapshotTransferException("snapshot source is longer than the declared " + size + " bytes");
            }
            ByteBuf chunk = frame;
            frame = null;
            channel.eventLoop().execute(() -> chunkRead(chunk, n, last));
        } catch (Throwable e) {
            ReferenceCountUtil.release(frame);
            channel.eventLoop().execute(() -> {
                reading = false;
                finish(e);
            });
        }
    }

    private void chunkRead(ByteBuf chunk, int n, boolean last) {
        reading = false;
        if (finished) {
            chunk.release();
            closeSource();
            return;
        }
        channel.write(chunk);
        sent += n;
        if (last) endStream();
        channel.flush();
        pump();
    }

    private void endStream() {
        allSent = true;
        ByteBuf end = FrameCodec.start(channel.alloc(), FrameType.SNAPSHOT_END, 4);
        end.writeInt((int) crc.getValue());
        channel.write(end);
    }

    private void finish(Throwable cause) {
        if (finished) return;
        finished = true;
        if (!reading) closeSource();
        if (cause == null) {
            context.metrics.snapshotsSent.increment();
            LOG.info("member {}: snapshot of {} bytes delivered to member {}", Texts.id(context.config.localId), size, Texts.id(peerId));
            result.complete(null);
        } else {
            context.metrics.snapshotsFailed.increment();
            SnapshotTransferException e = cause instanceof SnapshotTransferException s ? s
                    : new SnapshotTransferException("snapshot to member " + Texts.id(peerId) + " failed: " + cause, cause);
            LOG.warn("member {}: {}", Texts.id(context.config.localId), e.getMessage());
            result.completeExceptionally(e);
        }
        if (channel != null) channel.close();
    }

    private void closeSource() {
        if (sourceClosed) return;
        sourceClosed = true;
        Runnable close = () -> {
            try {
                source.close();
            } catch (IOException e) {
                LOG.debug("member {}: closing a snapshot source failed: {}", Texts.id(context.config.localId), e.toString());
            }
        };
        try {
            context.snapshotIo.execute(close); // a close may block (files, pipes): not on the event loop
        } catch (RejectedExecutionException e) {
            close.run();
        }
    }
}
