package io.keel.benchmarks.load;

import io.grpc.Status;
import io.keel.benchmarks.InProcessCluster;
import io.keel.server.Keel;
import io.keel.server.grpc.EtcdGrpcServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The load generator against live Keel members in this JVM, serving etcd's API on 127.0.0.1. */
class LoadGeneratorTest {
    private InProcessCluster cluster;
    private final List<EtcdGrpcServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(EtcdGrpcServer::close);
        if (cluster != null) cluster.close();
    }

    private String startCluster(int size) {
        cluster = InProcessCluster.start(size);
        for (Keel k : cluster.members()) servers.add(EtcdGrpcServer.start(k, new InetSocketAddress("127.0.0.1", 0)));
        return servers.stream().map(s -> "127.0.0.1:" + s.port()).collect(Collectors.joining(","));
    }

    private record Run(int exitCode, LoadResult result, String out, String err) {
    }

    private static Run run(String... args) {
        LoadGenerator gen = new LoadGenerator();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(gen).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int rc = cmd.execute(args);
        return new Run(rc, gen.result(), out.toString(), err.toString());
    }

    @Test
    void putsAndGetsCountEveryRequestWithoutErrors() {
        String endpoint = startCluster(1);
        long pid = ProcessHandle.current().pid();
        long revisionBefore = cluster.members().get(0).revision();

        Run put = run("--endpoints", endpoint, "--conns", "2", "--clients", "16", "--op", "put", "--total", "300",
                "--key-space", "100", "--server-pids", Long.toString(pid), "--label", "put-test");
        assertEquals(0, put.exitCode(), put.out() + put.err());
        assertEquals(300, put.result().ok());
        assertEquals(Map.of(), put.result().errors());
        assertEquals(300, put.result().latencies().getTotalCount());
        assertTrue(put.result().serverCpuNanos() >= 0);
        // Every measured put (and the warm-up's) was applied: the store's revision moved by at least 300.
        assertTrue(cluster.members().get(0).revision() - revisionBefore >= 300);
        String summary = put.out().lines().filter(l -> l.startsWith("SUMMARY ")).findFirst().orElseThrow();
        assertTrue(summary.contains(" label=put-test ") && summary.contains(" ok=300 ") && summary.contains(" errors=0 "),
                summary);

        for (String consistency : List.of("l", "s")) {
            Run get = run("--endpoints", endpoint, "--clients", "8", "--op", "get", "--consistency", consistency,
                    "--key-space", "50", "--total", "200");
            assertEquals(0, get.exitCode(), get.out() + get.err());
            assertEquals(200, get.result().ok(), get.out());
            assertEquals(Map.of(), get.result().errors());
            assertEquals(-1, get.result().serverCpuNanos()); // no pids given
        }
        // The gets were seeded: every key of their space holds a 256-byte value.
        assertEquals(256, cluster.members().get(0).getKeyValue(new String(new byte[]{0, 0, 0, 0, 0, 0, 0, 49},
                java.nio.charset.StandardCharsets.ISO_8859_1), true).orElseThrow().value().length);
    }

    @Test
    void aDurationBoundsTheLoad() {
        String endpoint = startCluster(1);
        Run r = run("--endpoints", endpoint, "--clients", "4", "--duration", "300ms");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.result().ok() > 0);
        assertEquals(Map.of(), r.result().errors());
        assertEquals(r.result().ok(), r.result().latencies().getTotalCount());
    }

    @Test
    void leaderOnlySendsEveryPutToTheLeaderOfThree() {
        String endpoints = startCluster(3);
        Keel leader = cluster.awaitLeader();
        int leaderPort = servers.get(cluster.members().indexOf(leader)).port();
        assertEquals(leaderPort, Endpoints.leader(Endpoints.parse(endpoints)).getPort());

        Run r = run("--endpoints", endpoints, "--leader-only", "--conns", "3", "--clients", "30", "--total", "300");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("leader: 127.0.0.1:" + leaderPort), r.out());
        assertEquals(300, r.result().ok(), r.out());
        assertEquals(Map.of(), r.result().errors(), r.out());
    }

    @Test
    void anUnreachableEndpointIsCountedByStatus() {
        InetSocketAddress nobody = InProcessCluster.freeAddress();
        Run r = run("--endpoints", "127.0.0.1:" + nobody.getPort(), "--clients", "3", "--total", "50",
                "--request-timeout", "5s");
        assertEquals(1, r.exitCode(), r.out() + r.err()); // nothing succeeded
        assertEquals(0, r.result().ok());
        assertEquals(Map.of(Status.Code.UNAVAILABLE, 50L), r.result().errors(), r.out());
    }

    @Test
    void badArgumentsAreRefusedWithExitCode2() {
        for (String[] args : List.of(
                new String[]{"--endpoints", "127.0.0.1:1", "--op", "delete", "--total", "1"},
                new String[]{"--endpoints", "127.0.0.1:1", "--op", "get", "--consistency", "x", "--total", "1"},
                new String[]{"--endpoints", "127.0.0.1:1"}, // no bound
                new String[]{"--endpoints", "127.0.0.1", "--total", "1"},
                new String[]{"--endpoints", "127.0.0.1:1", "--key-size", "1", "--key-space", "1000", "--total", "1"},
                new String[]{"--endpoints", "127.0.0.1:1", "--duration", "soon"},
                new String[]{"--endpoints", "127.0.0.1:1", "--total", "1", "--server-pids", "999999999"})) {
            Run r = run(args);
            assertEquals(2, r.exitCode(), String.join(" ", args) + "\n" + r.err());
            assertNull(r.result());
            assertNotNull(r.err());
            assertTrue(!r.err().isBlank(), String.join(" ", args));
        }
    }

    @Test
    void procStatParsingToleratesSpacesAndParenthesesInTheName() {
        String line = "1234 (java (main) x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 40 0 1 2 3";
        assertEquals(325, ProcessCpu.parseTicks(line));
    }
}
