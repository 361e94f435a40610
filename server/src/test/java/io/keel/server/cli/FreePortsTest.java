package io.keel.server.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FreePortsTest {
    @Test
    void portsAreDistinctBindableAndBelowTheEphemeralRange() throws IOException {
        int ephemeralStart = Integer.parseInt(
                Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+")[0]);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            int port = FreePorts.next();
            assertTrue(seen.add(port), "handed out twice: " + port);
            assertTrue(port >= 10_000 && port < ephemeralStart, port + " is outside [10000, " + ephemeralStart + ")");
        }
        for (int port : seen.stream().limit(20).toList()) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                assertEquals(port, s.getLocalPort());
            }
        }
    }
}
