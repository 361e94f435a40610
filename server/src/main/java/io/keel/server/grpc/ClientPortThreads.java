package io.keel.server.grpc;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.TimeUnit;

/**
 * The plain-text client port's own Netty threads (one acceptor, Netty's default number of I/O threads, as gRPC's
 * defaults), stopped and waited for when the port closes.
 *
 * <p>Why not gRPC's shared default threads: they outlive a closed server by a second (gRPC releases them lazily), all
 * that time blocked in {@code epoll_wait}, and a JVM that halts while one of its threads is in native code waits
 * 300 ms for it (HotSpot's VM_Exit waits for threads in native to block). That wait was most of a member's stop
 * after its close (issue 14: a stopping member should be gone within a second). The TLS port has its own threads
 * already ({@link io.keel.server.tls.ClientTls}).
 */
final class ClientPortThreads implements AutoCloseable {
    /** How long {@link #close} waits for the threads to end; they have no work left once the server terminated. */
    private static final long STOP_WAIT_MILLIS = 2_000;

    private final boolean epoll = Epoll.isAvailable();
    private final EventLoopGroup acceptor;
    private final EventLoopGroup io;

    /**
     * Named without the member's id, unlike most of Keel's threads: the kernel keeps 15 characters of a thread's name,
     * and these should still read apart from the client API's pool ({@code keel-grpc-<id>-N}) in per-thread figures
     * (compare-etcd.sh's context switches, ProfileSummary). They replace {@code grpc-default-boss-ELG} and
     * {@code grpc-default-worker-ELG}.
     */
    static final String ACCEPT_THREADS = "keel-client-accept";
    static final String IO_THREADS = "keel-client-io";

    ClientPortThreads() {
        this.acceptor = group(1, ACCEPT_THREADS);
        this.io = group(0, IO_THREADS);
    }

    private EventLoopGroup group(int threads, String name) {
        DefaultThreadFactory factory = new DefaultThreadFactory(name, true);
        return epoll ? new EpollEventLoopGroup(threads, factory) : new NioEventLoopGroup(threads, factory);
    }

    /** Makes {@code builder}'s server run on these threads. */
    NettyServerBuilder applyTo(NettyServerBuilder builder) {
        return builder.bossEventLoopGroup(acceptor).workerEventLoopGroup(io)
                .channelType(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class);
    }

    /** Stops the threads and waits for them to end (call once the server has terminated). */
    @Override
    public void close() {
        var acceptorDone = acceptor.shutdownGracefully(0, STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        var ioDone = io.shutdownGracefully(0, STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        acceptorDone.awaitUninterruptibly(STOP_WAIT_MILLIS);
        ioDone.awaitUninterruptibly(STOP_WAIT_MILLIS);
    }
}
