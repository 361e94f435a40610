package io.keel.transport;

import io.netty.channel.epoll.Epoll;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.channels.SocketChannel;

/**
 * TCP_USER_TIMEOUT on a JDK socket channel, the kind {@link DirectSocketChannel} writes. The JDK has no option for
 * it (jdk.net.ExtendedSocketOptions has keep-alive's, not this one), so it is set on the channel's descriptor with
 * Netty's epoll library, which has it: the descriptor comes from the JDK's channel, whose package
 * ({@code sun.nio.ch}) the JVM must open to this code ({@value #JVM_OPTION}; bin/keel and the build's tests pass it).
 *
 * <p>Why it matters: without the option a connection that lost its packets for a while waits out TCP's doubling
 * retransmission back-off after the network heals (the fault suite saw a member hear its leader 7.4 s after an 8 s
 * cut, and a minute after two cuts in a row; {@link TransportConfig#unacknowledgedTimeout}). Direct writes must not
 * cost that, so where the option cannot be set here they stay off on Linux ({@link #unavailableBecause}).
 *
 * <p>The descriptor is read from an open channel that this transport owns and closes only on its event loop, after
 * which nothing asks for it again.
 */
final class JdkSocketUserTimeout {
    static final String JVM_OPTION = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";

    private static final Method FD_VAL;
    private static final Constructor<?> LINUX_SOCKET;
    private static final Method SET;
    private static final Method GET;
    private static final String UNAVAILABLE;

    static {
        Method fdVal = null;
        Constructor<?> linuxSocket = null;
        Method set = null;
        Method get = null;
        String unavailable = null;
        try {
            if (!Epoll.isAvailable()) {
                unavailable = "Netty's epoll library does not load here: " + Epoll.unavailabilityCause();
            } else {
                fdVal = Class.forName("sun.nio.ch.SocketChannelImpl").getDeclaredMethod("getFDVal");
                fdVal.setAccessible(true);
                Class<?> socket = Class.forName("io.netty.channel.epoll.LinuxSocket");
                linuxSocket = socket.getDeclaredConstructor(int.class);
                linuxSocket.setAccessible(true);
                set = socket.getDeclaredMethod("setTcpUserTimeout", int.class);
                set.setAccessible(true);
                get = socket.getDeclaredMethod("getTcpUserTimeout");
                get.setAccessible(true);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // InaccessibleObjectException (a RuntimeException) when the JVM was started without JVM_OPTION.
            unavailable = "the JDK's socket descriptors are not reachable (start the JVM with " + JVM_OPTION + "): " + e;
        }
        FD_VAL = fdVal;
        LINUX_SOCKET = linuxSocket;
        SET = set;
        GET = get;
        UNAVAILABLE = unavailable;
    }

    private JdkSocketUserTimeout() {
    }

    /** Null when the option can be set on a JDK socket here; else why not. */
    static String unavailableBecause() {
        return UNAVAILABLE;
    }

    /** Sets the socket's TCP_USER_TIMEOUT; the channel must be open. */
    static void set(SocketChannel channel, int millis) throws IOException {
        invoke(SET, channel, millis);
    }

    /** The socket's TCP_USER_TIMEOUT in ms as the kernel reports it; the channel must be open. */
    static int get(SocketChannel channel) throws IOException {
        return (Integer) invoke(GET, channel);
    }

    private static Object invoke(Method method, SocketChannel channel, Object... args) throws IOException {
        if (UNAVAILABLE != null) throw new IOException("TCP_USER_TIMEOUT: " + UNAVAILABLE);
        try {
            Object socket = LINUX_SOCKET.newInstance((Integer) FD_VAL.invoke(channel)); // never closed: the JDK's
            return method.invoke(socket, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException("TCP_USER_TIMEOUT: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IOException("TCP_USER_TIMEOUT: " + e, e);
        }
    }
}
