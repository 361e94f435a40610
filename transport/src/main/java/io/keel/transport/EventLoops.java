package io.keel.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The I/O threads and the matching channel types: epoll on Linux when its native library loads, NIO otherwise. */
final class EventLoops {
    final EventLoopGroup group;
    final Class<? extends SocketChannel> socketChannel;
    final Class<? extends ServerSocketChannel> serverChannel;
    final String kind;

    private EventLoops(EventLoopGroup group, Class<? extends SocketChannel> socketChannel,
                       Class<? extends ServerSocketChannel> serverChannel, String kind) {
        this.group = group;
        this.socketChannel = socketChannel;
        this.serverChannel = serverChannel;
        this.kind = kind;
    }

    static EventLoops create(int threads, boolean preferNative, TrackedThreads threadFactory) {
        if (preferNative && Epoll.isAvailable()) {
            IoHandlerFactory epoll = EpollIoHandler.newFactory();
            return new EventLoops(new MultiThreadIoEventLoopGroup(threads, threadFactory, epoll),
                    EpollSocketChannel.class, EpollServerSocketChannel.class, "epoll");
        }
        IoHandlerFactory nio = NioIoHandler.newFactory();
        return new EventLoops(new MultiThreadIoEventLoopGroup(threads, threadFactory, nio),
                NioSocketChannel.class, NioServerSocketChannel.class, "nio");
    }

    /** Closes every channel still registered and stops the threads, waiting at most {@code timeout}. */
    void shutdown(Duration timeout) {
        group.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(timeout.toMillis() + 1000);
    }
}
