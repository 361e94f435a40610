package io.keel.transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import com.google.protobuf.InvalidProtocolBufferException;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.RejectedExecutionException;
import java.util.zip.CRC32C;

/**
 * Receives one snapshot stream: writes the chunks to a temporary file on the snapshot I/O pool, checks size and
 * CRC32C at the end, hands (metadata, file) to the listener and answers ACCEPTED, or REFUSED with the reason.
 *
 * <p>Flow control: when more than {@link #PAUSE_BYTES} received bytes wait for the disk, the connection stops
 * reading, so TCP pushes back on the sender; reading resumes below {@link #RESUME_BYTES}. A slow disk therefore
 * costs a bounded amount of memory and never blocks an event loop.
 */
final class SnapshotReceiver extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotReceiver.class);
    static final int PAUSE_BYTES = 2 << 20;
    static final int RESUME_BYTES = 512 << 10;

    private enum State { AWAITING_BEGIN, RECEIVING, VERIFYING, DONE }

    private final TransportContext context;
    private final long peerId;
    private final SerialExecutor io;

    // Event-loop confined.
    private ChannelHandlerContext ctx;
    private State state = State.AWAITING_BEGIN;
    private Message meta;
    private long size;
    private long received;
    private long pendingBytes;
    private boolean paused;

    // Confined to the serial I/O executor.
    private Path path;
    private FileChannel file;
    private final CRC32C crc = new CRC32C();
    private boolean handedOver;
    private Throwable ioFailure;

    SnapshotReceiver(TransportContext context, long peerId) {
        this.context = context;
        this.peerId = peerId;
        this.io = new SerialExecutor(context.snapshotIo, context.config.localId);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws WireFormatException {
        Frame frame = (Frame) msg;
        try {
            switch (frame.type()) {
                case SNAPSHOT_BEGIN -> begin(frame.payload());
                case SNAPSHOT_CHUNK -> chunk(frame.payload());
                case SNAPSHOT_END -> end(frame.payload());
                default -> throw new WireFormatException("unexpected " + frame.type() + " on a snapshot stream");
            }
        } finally {
            frame.release();
        }
    }

    private void begin(ByteBuf payload) throws WireFormatException {
        expect(State.AWAITING_BEGIN, "SNAPSHOT_BEGIN");
        if (payload.readableBytes() < 8) throw new WireFormatException("SNAPSHOT_BEGIN too short");
        long declared = payload.readLong();
        Message m;
        try {
            m = Message.parseFrom(payload.nioBuffer());
        } catch (InvalidProtocolBufferException e) {
            throw new WireFormatException("SNAPSHOT_BEGIN metadata is not a raft message", e);
        }
        if (m.getType() != MessageType.MSG_SNAPSHOT || m.getFrom() != peerId || m.getTo() != context.config.localId) {
            throw new WireFormatException("SNAPSHOT_BEGIN carries a " + m.getType() + " from member "
                    + Texts.id(m.getFrom()) + " to member " + Texts.id(m.getTo()) + " on a stream of member " + Texts.id(peerId));
        }
        if (declared < 0 || declared > context.config.maxSnapshotBytes) {
            throw new WireFormatException("snapshot of " + declared + " bytes announced, limit is " + context.config.maxSnapshotBytes);
        }
        meta = m;
        size = declared;
        state = State.RECEIVING;
        onIo(null, () -> {
            Files.createDirectories(context.config.snapshotDirectory);
            path = Files.createTempFile(context.config.snapshotDirectory, "snapshot-from-" + Texts.id(peerId) + "-", ".part");
            file = FileChannel.open(path, StandardOpenOption.WRITE);
        });
    }

    private void chunk(ByteBuf payload) throws WireFormatException {
        expect(State.RECEIVING, "SNAPSHOT_CHUNK");
        int n = payload.readableBytes();
        if (received + n > size) {
            throw new WireFormatException("snapshot stream exceeds its declared " + size + " bytes");
        }
        received += n;
        pendingBytes += n;
        if (!paused && pendingBytes >= PAUSE_BYTES) {
            paused = true;
            ctx.channel().config().setAutoRead(false);
        }
        ByteBuf data = payload.retain();
        onIo(data, () -> {
            ByteBuffer nio = data.nioBuffer();
            crc.update(nio.duplicate());
            while (nio.hasRemaining()) file.write(nio);
            onLoop(() -> written(n));
        });
    }

    private void written(int n) {
        pendingBytes -= n;
        if (paused && pendingBytes <= RESUME_BYTES) {
            paused = false;
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void end(ByteBuf payload) throws WireFormatException {
        expect(State.RECEIVING, "SNAPSHOT_END");
        if (payload.readableBytes() != 4) throw new WireFormatException("SNAPSHOT_END malformed");
        if (received != size) {
            throw new WireFormatException("SNAPSHOT_END after " + received + " of " + size + " bytes");
        }
        int expectedCrc = payload.readInt();
        state = State.VERIFYING;
        Message m = meta;
        onIo(null, () -> {
            file.close();
            file = null;
            if ((int) crc.getValue() != expectedCrc) {
                throw new SnapshotTransferException("snapshot checksum mismatch: corrupted in transit");
            }
            try {
                context.listener.onSnapshot(m, new ReceivedSnapshot(peerId, path, size));
                handedOver = true;
            } catch (Exception e) {
                throw new SnapshotTransferException("listener refused it: " + e.getMessage(), e);
            }
            onLoop(this::confirm);
        });
    }

    private void confirm() {
        if (state == State.DONE) return; // the connection died meanwhile; the file was handed over all the same
        state = State.DONE;
        context.metrics.snapshotsReceived.increment();
        LOG.info("member {}: snapshot of {} bytes received from member {}", Texts.id(context.config.localId), size, Texts.id(peerId));
        ctx.writeAndFlush(FrameCodec.emptyFrame(ctx.alloc(), FrameType.SNAPSHOT_ACCEPTED))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** Refuses the snapshot with a reason the sender logs, and closes the stream. */
    private void refuse(Throwable cause) {
        if (state == State.DONE) return;
        state = State.DONE;
        context.metrics.snapshotsFailed.increment();
        String reason = cause instanceof SnapshotTransferException || cause instanceof WireFormatException
                ? cause.getMessage() : cause.toString();
        LOG.warn("member {}: refusing snapshot from member {}: {}", Texts.id(context.config.localId), Texts.id(peerId), reason);
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(FrameCodec.textFrame(ctx.alloc(), FrameType.SNAPSHOT_REFUSED, reason))
                    .addListener(ChannelFutureListener.CLOSE);
        }
        cleanUp();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            refuse(new SnapshotTransferException("no progress for " + context.config.snapshotIdleTimeout.toMillis() + " ms"));
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        refuse(cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() != null ? cause.getCause() : cause);
        ctx.fireExceptionCaught(cause); // the guard logs and closes
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state != State.DONE) {
            state = State.DONE;
            context.metrics.snapshotsFailed.increment();
            LOG.warn("member {}: snapshot stream from member {} ended after {} of {} bytes", Texts.id(context.config.localId), Texts.id(peerId),
                    received, size);
            cleanUp();
        }
        ctx.fireChannelInactive();
    }

    private void expect(State wanted, String frame) throws WireFormatException {
        if (state != wanted) throw new WireFormatException(frame + " while " + state);
    }

    private interface IoStep {
        void run() throws Exception;
    }

    /** Queues a step on this stream's serial I/O; after a failed step the rest are skipped and the stream refused. */
    private void onIo(ByteBuf toRelease, IoStep step) {
        Runnable task = () -> {
            try {
                if (ioFailure == null) step.run();
            } catch (Throwable e) {
                ioFailure = e;
                onLoop(() -> refuse(e));
            } finally {
                if (toRelease != null) toRelease.release();
            }
        };
        try {
            io.execute(task);
        } catch (RejectedExecutionException e) {
            if (toRelease != null) toRelease.release();
            ctx.close();
        }
    }

    private void onLoop(Runnable r) {
        try {
            ctx.executor().execute(r);
        } catch (RejectedExecutionException e) {
            // The transport is shutting down; its channels are closed with their event loops.
        }
    }

    /** Closes and deletes the temporary file unless the listener took it; runs after every step queued before. */
    private void cleanUp() {
        Runnable task = () -> {
            try {
                if (file != null) file.close();
                if (path != null && !handedOver) Files.deleteIfExists(path);
            } catch (IOException e) {
                LOG.warn("member {}: cannot remove partial snapshot {}: {}", Texts.id(context.config.localId), path, e.toString());
            }
        };
        try {
            io.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }
}
