package io.keel.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The I/O threads and the matching channel types: epoll on Linux when its native library loads, NIO otherwise. Both
 * carry TCP ({@link InetSocketAddress}) and Unix domain sockets ({@link UnixDomainSocketAddress}, etcd's
 * {@code unix://} URLs); epoll names the latter with its own address type, which {@link #nativeAddress} converts to.
 */
final class EventLoops {
    final EventLoopGroup group;
    final String kind;
    /**
     * One NIO thread for the peers' outbound message connections when their senders write them directly
     * ({@link DirectSocketChannel}); null otherwise. It is woken only for what a sender could not write at once.
     */
    final EventLoopGroup directGroup;
    private final Class<? extends Channel> socketChannel;
    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends Channel> domainChannel;
    private final Class<? extends ServerChannel> serverDomainChannel;

    private EventLoops(EventLoopGroup group, EventLoopGroup directGroup, String directWritesOffBecause, String kind,
                       Class<? extends Channel> socketChannel,
                       Class<? extends ServerChannel> serverChannel, Class<? extends Channel> domainChannel,
                       Class<? extends ServerChannel> serverDomainChannel) {
        this.group = group;
        this.directGroup = directGroup;
        this.directWritesOffBecause = directWritesOffBecause;
        this.kind = kind;
        this.socketChannel = socketChannel;
        this.serverChannel = serverChannel;
        this.domainChannel = domainChannel;
        this.serverDomainChannel = serverDomainChannel;
    }

    /**
     * Why direct writes, though asked for, are off: on epoll, when {@link JdkSocketUserTimeout} cannot give their
     * JDK sockets the unacknowledged-data timeout the epoll connections have. Null when they are on or not asked for.
     */
    final String directWritesOffBecause;

    static EventLoops create(int threads, boolean preferNative, boolean directWrites, TrackedThreads threadFactory) {
        boolean epoll = preferNative && Epoll.isAvailable();
        String directOffBecause = directWrites && epoll ? JdkSocketUserTimeout.unavailableBecause() : null;
        EventLoopGroup directGroup = directWrites && directOffBecause == null
                ? new MultiThreadIoEventLoopGroup(1, threadFactory, NioIoHandler.newFactory()) : null;
        if (epoll) {
            return new EventLoops(new MultiThreadIoEventLoopGroup(threads, threadFactory, EpollIoHandler.newFactory()),
                    directGroup, directOffBecause, "epoll", EpollSocketChannel.class, EpollServerSocketChannel.class,
                    EpollDomainSocketChannel.class, EpollServerDomainSocketChannel.class);
        }
        IoHandlerFactory nio = NioIoHandler.newFactory();
        return new EventLoops(new MultiThreadIoEventLoopGroup(threads, threadFactory, nio), directGroup, null, "nio",
                NioSocketChannel.class, NioServerSocketChannel.class, NioDomainSocketChannel.class,
                NioServerDomainSocketChannel.class);
    }

    static boolean isUnix(SocketAddress address) {
        return address instanceof UnixDomainSocketAddress || address instanceof DomainSocketAddress;
    }

    Class<? extends Channel> channelFor(SocketAddress address) {
        return isUnix(address) ? domainChannel : socketChannel;
    }

    /**
     * Makes the channel for a connection to {@code address} served by {@code loop}; a TCP connection gives up data
     * unacknowledged for {@code userTimeoutMillis} where the kernel can (epoll's are given the option by the caller).
     */
    ChannelFactory<? extends Channel> channelFactoryFor(EventLoop loop, SocketAddress address, int userTimeoutMillis) {
        if (directGroup != null && loop.parent() == directGroup) {
            // Direct writes on TCP only; a Unix socket to a peer is drained by this loop as usual.
            if (isUnix(address)) return NioDomainSocketChannel::new;
            int timeout = JdkSocketUserTimeout.unavailableBecause() == null ? userTimeoutMillis : 0;
            return () -> new DirectSocketChannel(timeout);
        }
        return new ReflectiveChannelFactory<>(channelFor(address));
    }

    /** The address as a channel served by {@code loop} takes it. */
    SocketAddress nativeAddress(EventLoop loop, SocketAddress address) {
        if (directGroup != null && loop.parent() == directGroup) return address;
        return nativeAddress(address);
    }

    /**
     * Whether the channels this loop makes for {@code address} are epoll TCP sockets, which take TCP_USER_TIMEOUT as
     * a channel option (direct writes' JDK sockets are given it by {@link #channelFactoryFor}; with the NIO fallback
     * a stalled connection waits out TCP's own back-off).
     */
    boolean takesUserTimeout(EventLoop loop, SocketAddress address) {
        boolean direct = directGroup != null && loop != null && loop.parent() == directGroup;
        return "epoll".equals(kind) && !direct && !isUnix(address);
    }

    Class<? extends ServerChannel> serverChannelFor(SocketAddress address) {
        return isUnix(address) ? serverDomainChannel : serverChannel;
    }

    /** The address as this kind of channel takes it (epoll's domain sockets have an address type of their own). */
    SocketAddress nativeAddress(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress u && "epoll".equals(kind)) {
            return new DomainSocketAddress(u.getPath().toString());
        }
        return address;
    }

    /** Closes every channel still registered and stops the threads, waiting at most {@code timeout}. */
    void shutdown(Duration timeout) {
        if (directGroup != null) {
            directGroup.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .awaitUninterruptibly(timeout.toMillis() + 1000);
        }
        group.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(timeout.toMillis() + 1000);
    }
}
