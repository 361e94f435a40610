package io.keel.transport;

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
 */
final class DirectSocketChannel extends NioSocketChannel {
    /**
     * Writes what the (non-blocking) socket takes now of {@code buf}, from any thread. The caller must be the
     * connection's only writer at that moment and Netty's own outbound buffer must be empty, or bytes would leave
     * out of order ({@link PeerConnection} sees to both).
     */
    int writeNow(ByteBuffer buf) throws IOException {
        return javaChannel().write(buf);
    }
}
