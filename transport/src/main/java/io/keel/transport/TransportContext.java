package io.keel.transport;

import org.slf4j.LoggerFactory;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;

import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What every connection of one transport shares (settings, counters, threads, TLS, the identity rules) and how
 * its pipelines are assembled:
 * <pre>
 *   socket - ByteCounter - [SslHandler] - FrameDecoder - handshake / stream handler - ConnectionGuard
 * </pre>
 */
final class TransportContext {
    /** Outbound bytes buffered in a socket before it counts as unwritable and draining pauses. */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(256 << 10, 1 << 20);

    final TransportConfig config;
    final InboundListener listener;
    final TransportMetrics metrics;
    final EventLoops loops;
    /**
     * The event loop every accepted peer connection is served by (issue 12, section 2): the messages all peers sent
     * that one turn of it reads reach the listener in one call ({@link #turnDelivery}), so a leader's raft thread is
     * handed two followers' acknowledgements that arrive together once, and one I/O thread, not one per peer, is
     * woken for them. Without direct writes it is also {@link #outboundLoop}, so what a Ready sends finds it awake
     * when it is still reading. Snapshot streams' bytes are read here too; their checksum and disk writes run on
     * {@link #snapshotIo}.
     */
    final EventLoop inboundLoop;
    /**
     * The event loop every peer's message connection is written from: a Ready's messages to all peers then wake one
     * I/O thread, once ({@link Transport#sendAll}), not one per peer.
     */
    final EventLoop outboundLoop;
    /** The end-of-turn hand-off of {@link #inboundLoop}'s received messages. */
    final TurnDelivery turnDelivery;
    final ExecutorService snapshotIo;
    final HandshakePolicy policy;
    final ThrottledLog log;
    final InboundRegistry inbound;
    /** Told the id of a peer whose message connection to this member was just accepted (set by Transport). */
    volatile java.util.function.LongConsumer peerConnected = id -> { };
    /** Told (wanted id, id it answered as) when a dialled member of this cluster says it is another member. */
    volatile java.util.function.BiConsumer<Long, Long> peerAnsweredAs = (wanted, actual) -> { };
    private final SslContext serverTls;
    private final SslContext clientTls;
    private final ByteCounter byteCounter;
    private final ConnectionGuard guard;

    TransportContext(TransportConfig config, InboundListener listener, TransportMetrics metrics, EventLoops loops,
                     ExecutorService snapshotIo, HandshakePolicy policy, SslContext serverTls, SslContext clientTls) {
        this.config = config;
        this.listener = listener;
        this.metrics = metrics;
        this.loops = loops;
        this.inboundLoop = loops.group.next();
        this.outboundLoop = loops.directGroup != null ? loops.directGroup.next() : inboundLoop;
        this.turnDelivery = new TurnDelivery(inboundLoop, listener, config.localId);
        this.snapshotIo = snapshotIo;
        this.policy = policy;
        this.serverTls = serverTls;
        this.clientTls = clientTls;
        this.inbound = new InboundRegistry(config.localId);
        this.log = new ThrottledLog(LoggerFactory.getLogger(Transport.class), config.localId);
        this.byteCounter = new ByteCounter(metrics.bytesReceived, metrics.bytesSent);
        this.guard = new ConnectionGuard(this);
    }

    /** Accepts peers on {@code address}: a TCP address, or a Unix domain socket (etcd's unix:// URLs). */
    ServerBootstrap serverBootstrap(java.net.SocketAddress address) {
        boolean tcp = !EventLoops.isUnix(address);
        ServerBootstrap b = new ServerBootstrap()
                .group(loops.group, inboundLoop)
                .channel(loops.serverChannelFor(address))
                .option(ChannelOption.ALLOCATOR, config.allocator)
                .childOption(ChannelOption.ALLOCATOR, config.allocator)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK);
        if (tcp) {
            b.option(ChannelOption.SO_REUSEADDR, true) // a restarted member binds its port again at once
                    .childOption(ChannelOption.TCP_NODELAY, true) // writes are already coalesced per event-loop turn
                    .childOption(ChannelOption.SO_KEEPALIVE, true);
            if (loops.takesUserTimeout(null, address)) {
                b.childOption(EpollChannelOption.TCP_USER_TIMEOUT, (int) config.unacknowledgedTimeout.toMillis());
            }
        }
        return b.childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        p.addLast("bytes", byteCounter);
                        if (serverTls != null) p.addLast("tls", serverTls.newHandler(ch.alloc()));
                        p.addLast("frames", new FrameDecoder(FrameDecoder.HANDSHAKE_LIMIT));
                        p.addLast("handshake", new ServerHandshake(TransportContext.this));
                        p.addLast("guard", guard);
                    }
                });
    }

    /** Connects to a peer on the given event loop; the stream handlers take over once the handshake accepted. */
    ChannelFuture clientBootstrap(EventLoop loop, java.net.SocketAddress address, ClientHandshake handshake,
                                  ChannelHandler... streamHandlers) {
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channelFactory(loops.channelFactoryFor(loop, address, (int) config.unacknowledgedTimeout.toMillis()))
                .option(ChannelOption.ALLOCATOR, config.allocator)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout.toMillis());
        if (!EventLoops.isUnix(address)) {
            b.option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.SO_KEEPALIVE, true);
            if (loops.takesUserTimeout(loop, address)) {
                b.option(EpollChannelOption.TCP_USER_TIMEOUT, (int) config.unacknowledgedTimeout.toMillis());
            }
        }
        return b.handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        p.addLast("bytes", byteCounter);
                        if (clientTls != null) {
                            // The host name or IP is what the peer's certificate must name; a Unix socket has none
                            // (etcd's unixs:// checks the certificate's chain only).
                            p.addLast("tls", address instanceof InetSocketAddress inet
                                    ? clientTls.newHandler(ch.alloc(), inet.getHostString(), inet.getPort())
                                    : clientTls.newHandler(ch.alloc()));
                        }
                        p.addLast("frames", new FrameDecoder(FrameDecoder.HANDSHAKE_LIMIT));
                        p.addLast("handshake", handshake);
                        for (ChannelHandler h : streamHandlers) p.addLast(h);
                        p.addLast("guard", guard);
                    }
                })
                .connect(loops.nativeAddress(loop, address));
    }

    /** After an accepted HELLO: the connection becomes a message stream or a snapshot stream. */
    void installInboundStream(ChannelHandlerContext handshake, Hello hello) {
        ChannelPipeline p = handshake.pipeline();
        long peer = hello.senderId();
        if (hello.kind() == StreamKind.SNAPSHOT) {
            p.replace(handshake.handler(), "snapshot", new SnapshotReceiver(this, peer));
            p.addBefore("snapshot", "idle", snapshotIdleHandler());
        } else {
            p.replace(handshake.handler(), "messages", new InboundMessages(this, peer));
            inbound.register(peer, handshake.channel());
            peerConnected.accept(peer);
        }
    }

    /** Fires when a snapshot stream has moved no bytes either way for the idle timeout. */
    IdleStateHandler snapshotIdleHandler() {
        // observeOutput: a slow but moving link is progress, not idleness.
        return new IdleStateHandler(true, 0, 0, config.snapshotIdleTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
