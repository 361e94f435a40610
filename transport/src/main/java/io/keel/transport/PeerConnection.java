package io.keel.transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.keel.raft.proto.Message;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * This member's long-lived message connection to one peer: connects, handshakes, drains the peer's
 * {@link OutboundQueue} into it, and when it is lost reconnects with {@link Backoff}, forever, until stopped.
 *
 * <p>Writes are coalesced: a send enqueues and, if no writer holds the connection, becomes its writer: with direct
 * writes ({@link DirectSocketChannel}) it writes everything waiting itself when Netty's outbound buffer is empty,
 * else it schedules a drain on the connection's event loop, which encodes everything waiting into a few large
 * buffers and flushes once. Draining stops while the socket is unwritable (the peer reads slowly), so the queue's
 * byte bound, not the socket buffer, decides what is dropped. Connection state is confined to the event loop; the
 * queue, the writer's claim, the counters and {@link #directChannel} are shared.
 */
final class PeerConnection {
    private static final Logger LOG = LoggerFactory.getLogger(PeerConnection.class);
    /** Size of the buffers messages are encoded into; one buffer is one gathering write. */
    private static final int BATCH_BYTES = 64 << 10;
    /** Bytes encoded per event-loop turn before yielding, so one busy peer does not starve the loop's others. */
    private static final int TURN_BYTES = 1 << 20;

    final long peerId;
    /** The peer's addresses (etcd: its peer URLs); a failed connection attempt moves on to the next one. */
    private final List<SocketAddress> addresses;
    /** Index into {@link #addresses} of the one to connect to next (event loop; read by snapshots). */
    private volatile int current;
    private final TransportContext context;
    private final EventLoop loop;
    private final OutboundQueue queue;
    private final Backoff backoff;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final LongAdder sent = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    /** Flushes made, one per drain that wrote something (tests: how many writes a burst of sends cost). */
    private final LongAdder flushes = new LongAdder();
    private final LongAdder directWrites = new LongAdder();
    private volatile boolean stopped;
    private volatile boolean ready;
    /** A reconnection is scheduled (for tests and stats; the event loop's own state is {@link #reconnect}). */
    private volatile boolean backingOff;
    /** The connection while it is up and a sending thread may write it ({@link #writeDirectly}); else null. */
    private volatile DirectSocketChannel directChannel;

    // Event-loop confined.
    private Channel channel;
    private ScheduledFuture<?> reconnect;
    private boolean everConnected;

    PeerConnection(TransportContext context, long peerId, List<? extends SocketAddress> addresses) {
        this.context = context;
        this.peerId = peerId;
        this.addresses = List.copyOf(addresses);
        this.loop = context.outboundLoop;
        this.queue = new OutboundQueue(context.config.outboundQueueBytes);
        this.backoff = new Backoff(context.config.reconnectMinDelay, context.config.reconnectMaxDelay,
                ThreadLocalRandom.current());
    }

    void start() {
        loop.execute(this::connect);
    }

    /** Queues a message and has it written soon; false if it was dropped. Never blocks. */
    boolean send(Message m) {
        boolean queued = enqueue(m);
        if (queued) scheduleDrain();
        return queued;
    }

    /**
     * Queues a message without having it written yet: a caller queuing several calls {@link #scheduleDrain} once
     * after the last, so they leave in one event-loop task and one flush (one wake-up of the loop, not one per
     * message). False if it was dropped. Never blocks.
     */
    boolean enqueue(Message m) {
        if (stopped) {
            dropped.increment();
            return false;
        }
        if (FrameCodec.messageFrameBytes(m) > context.config.maxFrameBytes) {
            // The peer would close the connection on it, taking every other queued message with it.
            dropped.increment();
            context.log.warn(() -> "dropping a " + m.getType() + " of " + FrameCodec.messageFrameBytes(m)
                    + " bytes to member " + Texts.id(peerId) + ": above the frame limit " + context.config.maxFrameBytes);
            return false;
        }
        if (!queue.offer(m)) {
            dropped.increment();
            return false;
        }
        return true;
    }

    /**
     * The peer has just connected to this member, so it is up: if this side is waiting out a reconnection delay,
     * connect now, with the back-off reset. A connection already up or being made is left alone.
     */
    void connectNowIfWaiting() {
        try {
            loop.execute(() -> {
                if (stopped || reconnect == null) return;
                if (!reconnect.cancel(false)) return; // it is firing right now
                backoff.reset();
                connect();
            });
        } catch (RejectedExecutionException e) {
            // Shutting down.
        }
    }

    /** Stops reconnecting and closes the connection; queued messages are dropped. */
    void stop() {
        stopped = true;
        try {
            loop.execute(() -> {
                if (reconnect != null) reconnect.cancel(false);
                if (channel != null) channel.close();
                dropped.add(queue.clear());
            });
        } catch (RejectedExecutionException e) {
            // Event loops already shut down: their channels are closed.
            dropped.add(queue.clear());
        }
    }

    TransportStats.PeerStats stats() {
        return new TransportStats.PeerStats(sent.sum(), bytesSent.sum(), dropped.sum(), queue.bytes(), ready);
    }

    /**
     * Has what is queued written, unless a writer already holds the connection (then it takes it): by this thread
     * when direct writes are on and nothing waits for the socket, else by the event loop.
     */
    void scheduleDrain() {
        if (claimDrain() && !writeDirectly()) drainSoon(List.of(this));
    }

    /**
     * Has what is queued for each of {@code connections} written: directly where it can be, else with one
     * event-loop task per loop (they share {@link TransportContext#outboundLoop}, so one): one wake-up of the I/O
     * thread for a whole Ready.
     */
    static void scheduleDrains(List<PeerConnection> connections) {
        List<PeerConnection> claimed = new java.util.ArrayList<>(connections.size());
        for (PeerConnection c : connections) {
            if (c.claimDrain() && !c.writeDirectly()) claimed.add(c);
        }
        if (claimed.isEmpty()) return;
        EventLoop first = claimed.get(0).loop;
        if (claimed.stream().allMatch(c -> c.loop == first)) {
            drainSoon(claimed);
        } else {
            claimed.forEach(c -> drainSoon(List.of(c)));
        }
    }

    /**
     * True if this caller is now the connection's only writer: no drain was pending or running. The claim is what
     * keeps a peer's messages in order (FIFO, which Raft's pipelined appends rely on): whoever holds it, a sending
     * thread writing directly or the event loop's drain, takes messages from the queue and writes them; it lets go
     * only after its bytes are in the socket or in Netty's outbound buffer, then looks at the queue once more.
     */
    private boolean claimDrain() {
        return drainScheduled.compareAndSet(false, true);
    }

    /** Lets go of the claim; if messages arrived meanwhile, whoever claims next writes them (perhaps this thread). */
    private void releaseDrain() {
        drainScheduled.set(false);
        if (!queue.isEmpty()) scheduleDrain();
    }

    /**
     * With the claim held: writes what is queued from this thread, if the connection allows it now (direct writes
     * on, a {@link DirectSocketChannel} up and handshaken, nothing left in Netty's outbound buffer, which only the
     * event loop would write). Returns false, still holding the claim, if it did not; true once it has written (or
     * dropped on a write error) and let go of the claim, or handed the claim and an unwritten tail to the event loop.
     */
    private boolean writeDirectly() {
        DirectSocketChannel ch = directChannel;
        if (ch == null || !ready || !ch.isOpen()) return false;
        if (loop.inEventLoop()) return false; // the loop writes through the pipeline anyway, without a wake-up
        io.netty.channel.ChannelOutboundBuffer pending = ch.unsafe().outboundBuffer();
        // Only the claim holder adds to it, and it empties only by writing its bytes to the socket: seen empty
        // here, everything written before is in the socket and stays ahead of what is written now.
        if (pending == null || pending.totalPendingWriteBytes() != 0) return false;
        ByteBuf batch = null;
        int budget = TURN_BYTES;
        int count = 0;
        while (budget > 0) {
            Message m = queue.peek();
            if (m == null) break;
            int frameBytes = FrameCodec.messageFrameBytes(m);
            if (batch != null && batch.writableBytes() < frameBytes) break; // one buffer, one write(2)
            queue.poll();
            if (batch == null) batch = ch.alloc().directBuffer(Math.max(BATCH_BYTES, frameBytes));
            FrameCodec.writeMessage(batch, m);
            budget -= frameBytes;
            count++;
        }
        if (batch == null) {
            releaseDrain();
            return true;
        }
        int bytes = batch.readableBytes();
        try {
            java.nio.ByteBuffer nio = batch.internalNioBuffer(batch.readerIndex(), bytes);
            int written = ch.writeNow(nio);
            batch.skipBytes(written);
        } catch (IOException e) {
            // The connection is broken or closing: what it carried is lost (Raft resends); the loop reconnects.
            batch.release();
            dropped.add(count);
            LOG.debug("member {}: writing to member {} failed: {}", Texts.id(context.config.localId), Texts.id(peerId),
                    String.valueOf(e));
            ch.close();
            releaseDrain();
            return true;
        }
        directWrites.increment();
        sent.add(count);
        bytesSent.add(bytes);
        context.metrics.messagesSent.add(count);
        context.metrics.bytesSent.add(bytes - batch.readableBytes());
        if (!batch.isReadable()) {
            batch.release();
            releaseDrain();
            return true;
        }
        // The socket took part of it (its buffer is full): the rest goes first, from the event loop, which keeps the
        // claim until it has written it and whatever was queued meanwhile; the peer's queue bound holds from here.
        ByteBuf tail = batch;
        try {
            loop.execute(() -> {
                if (ch.isOpen()) {
                    ch.write(tail, ch.voidPromise()); // counted by the pipeline's ByteCounter
                } else {
                    tail.release();
                }
                drain();
            });
        } catch (RejectedExecutionException e) {
            tail.release();
            drainScheduled.set(false);
            dropped.add(queue.clear());
        }
        return true;
    }

    /** Runs the claimed connections' drains in one task on their (shared) loop. */
    private static void drainSoon(List<PeerConnection> claimed) {
        try {
            claimed.get(0).loop.execute(() -> claimed.forEach(PeerConnection::drain));
        } catch (RejectedExecutionException e) {
            for (PeerConnection c : claimed) {
                c.drainScheduled.set(false);
                c.dropped.add(c.queue.clear());
            }
        }
    }

    /** On the event loop, with the claim held: writes what is queued, flushes, and lets go of the claim. */
    private void drain() {
        Channel ch = channel;
        if (!ready || ch == null) {
            // Not connected: messages wait (onReady drains them) or were cleared with the connection.
            drainScheduled.set(false);
            return;
        }
        ByteBuf batch = null;
        int budget = TURN_BYTES;
        int count = 0;
        while (budget > 0 && ch.isWritable()) {
            Message m = queue.poll();
            if (m == null) break;
            int frameBytes = FrameCodec.messageFrameBytes(m);
            if (batch != null && batch.writableBytes() < frameBytes) {
                ch.write(batch, ch.voidPromise());
                batch = null;
            }
            if (batch == null) batch = ch.alloc().ioBuffer(Math.max(BATCH_BYTES, frameBytes));
            FrameCodec.writeMessage(batch, m);
            budget -= frameBytes;
            count++;
        }
        if (batch != null) ch.write(batch, ch.voidPromise());
        ch.flush(); // also what a direct write handed over unwritten
        if (count > 0) {
            flushes.increment();
            sent.add(count);
            bytesSent.add(TURN_BYTES - budget);
            context.metrics.messagesSent.add(count);
        }
        drainScheduled.set(false);
        // More waiting but the turn's budget spent: continue next turn. Unwritable: writabilityChanged resumes.
        if (!queue.isEmpty() && ch.isWritable() && claimDrain()) drainSoon(List.of(this));
    }

    /** Batches written by a sending thread itself rather than by the event loop (tests). */
    long directWrites() {
        return directWrites.sum();
    }

    long flushes() {
        return flushes.sum();
    }

    /** Every address of the peer, in the order they are tried. */
    List<SocketAddress> addresses() {
        return addresses;
    }

    /** The address this connection uses now: the one that connected last, or the next to try. */
    SocketAddress address() {
        return addresses.get(current);
    }

    /** Waiting out a reconnection delay. */
    boolean backingOff() {
        return backingOff;
    }

    /** The connection's socket option TCP_USER_TIMEOUT in ms as the kernel reports it, or null when down (tests). */
    Integer socketUserTimeoutMillis() {
        return loop.submit(() -> {
            Channel ch = channel;
            if (ch == null || !ready) return null;
            if (ch instanceof DirectSocketChannel direct) return direct.userTimeoutMillis();
            if (!(ch.config() instanceof io.netty.channel.epoll.EpollSocketChannelConfig c)) return null;
            return c.getTcpUserTimeout();
        }).syncUninterruptibly().getNow();
    }

    private void connect() {
        reconnect = null;
        backingOff = false;
        if (stopped) return;
        context.metrics.connectAttempts.increment();
        SocketAddress address = address();
        Hello hello = Hello.of(StreamKind.MESSAGES, context.config, peerId);
        ClientHandshake handshake = new ClientHandshake(context, hello, address, new ClientHandshake.Listener() {
            @Override
            public void accepted(Channel ch) {
                onReady(ch);
            }

            @Override
            public void failed(Channel ch, IOException cause) {
                LOG.debug("member {}: handshake with member {} failed: {}", Texts.id(context.config.localId), Texts.id(peerId), String.valueOf(cause));
            }
        });
        ChannelFuture f = context.clientBootstrap(loop, address, handshake, new Writability());
        Channel ch = f.channel();
        channel = ch;
        ch.closeFuture().addListener(x -> onClosed(ch));
        f.addListener(x -> {
            if (!x.isSuccess()) {
                LOG.debug("member {}: cannot connect to member {} at {}: {}", Texts.id(context.config.localId), Texts.id(peerId), address,
                        String.valueOf(x.cause()));
                ch.close();
            }
        });
    }

    private void onReady(Channel ch) {
        if (ch != channel || stopped) {
            ch.close();
            return;
        }
        ready = true;
        if (ch instanceof DirectSocketChannel direct) directChannel = direct;
        backoff.reset();
        context.metrics.connects.increment();
        if (everConnected) context.metrics.reconnects.increment();
        LOG.info("member {}: {} to member {} at {} ({}{})", Texts.id(context.config.localId), everConnected ? "reconnected" : "connected",
                Texts.id(peerId), address(), ch instanceof DirectSocketChannel ? "nio, direct writes"
                        : ch instanceof io.netty.channel.socket.nio.NioDomainSocketChannel ? "nio" : context.loops.kind,
                context.config.tls != null ? ", TLS" : "");
        everConnected = true;
        scheduleDrain();
    }

    private void onClosed(Channel ch) {
        if (ch != channel) return;
        boolean wasReady = ready;
        channel = null;
        directChannel = null;
        ready = false;
        // What waited for this connection is stale by the time another is up; Raft resends from its own state.
        dropped.add(queue.clear());
        if (stopped) return;
        if (wasReady) {
            LOG.info("member {}: lost connection to member {} at {}; reconnecting", Texts.id(context.config.localId), Texts.id(peerId), address());
        } else if (addresses.size() > 1) {
            current = (current + 1) % addresses.size(); // this one did not work: try the peer's next URL
        }
        long delay = backoff.nextDelayMillis();
        try {
            reconnect = loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
            backingOff = true;
        } catch (RejectedExecutionException e) {
            // Shutting down.
        }
    }

    /** Resumes draining when the socket drains; the responder never sends anything after its HELLO_REPLY. */
    private final class Writability extends ChannelInboundHandlerAdapter {
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) scheduleDrain();
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws WireFormatException {
            ReferenceCountUtil.release(msg);
            throw new WireFormatException("member " + Texts.id(peerId) + " sent " + msg + " on our message connection");
        }
    }
}
