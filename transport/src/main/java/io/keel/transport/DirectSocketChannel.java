package io.keel.transport;

import io.netty.channel.ChannelException;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A peer's outbound message connection over a JDK socket channel that a sending thread may also write itself
 * ({@link PeerConnection}'s direct writes): writing from the thread that has the messages spares the event loop a
 * wake-up (an eventfd write and a context switch) per Ready.
 *
 * <p>Why the JDK's channel and not epoll's: the JDK makes a write racing a close safe (the descriptor is not
 * released while a write is in it, and the write then fails with an exception), where a write to an epoll channel's
 * descriptor from outside its event loop could land on another socket that reused the number after a close.
 *
 * <p>Like the epoll connections, it gives up data left unacknowledged for {@code userTimeoutMillis}
 * (TCP_USER_TIMEOUT, set through {@link JdkSocketUserTimeout}; 0: the kernel's default, where that is unavailable).
 */
final class DirectSocketChannel extends NioSocketChannel {
    private final int userTimeoutMillis;

    DirectSocketChannel(int userTimeoutMillis) {
        this.userTimeoutMillis = userTimeoutMillis;
        if (userTimeoutMillis > 0) {
            try {
                JdkSocketUserTimeout.set(javaChannel(), userTimeoutMillis);
            } catch (java.io.IOException e) {
                throw new ChannelException("cannot set TCP_USER_TIMEOUT on a peer connection", e);
            }
        }
    }

    /** The socket's TCP_USER_TIMEOUT in ms as the kernel reports it, or null where this channel does not set it. */
    Integer userTimeoutMillis() throws java.io.IOException {
        return userTimeoutMillis > 0 ? JdkSocketUserTimeout.get(javaChannel()) : null;
    }

    /**
     * Writes what the (non-blocking) socket takes now of {@code buf}, from any thread. The caller must be the
     * connection's only writer at that moment and Netty's own outbound buffer must be empty, or bytes would leave
     * out of order ({@link PeerConnection} sees to both).
     */
    int writeNow(ByteBuffer buf) throws IOException {
        return javaChannel().write(buf);
    }
}
