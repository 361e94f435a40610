package io.keel.server.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.etcd.proto.StatusRequest;
import io.keel.server.etcd.proto.StatusResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code keel local-cluster}: three child processes that form one cluster, all stopped by SIGTERM to the launcher. */
class LocalClusterTest {
    private static final Duration DEADLINE = Duration.ofSeconds(120);
    private Process launcher;
    private final List<ProcessHandle> children = new ArrayList<>();

    @AfterEach
    void destroyAll() throws InterruptedException {
        if (launcher != null) launcher.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        for (ProcessHandle c : children) c.destroyForcibly();
    }

    @Test
    void threeChildProcessesFormOneClusterAndStopWithTheLauncher(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("launcher.log");
        launcher = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                LauncherJvm.fastStartOptions().get(0), LauncherJvm.fastStartOptions().get(1), "-cp", System.getProperty("java.class.path"), KeelMain.class.getName(),
                "local-cluster", "--data-dir", dir.resolve("data").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Poll.until("the launcher prints the etcdctl line", DEADLINE, () -> read(log).contains("etcdctl --endpoints="));
        children.addAll(launcher.children().toList());
        assertEquals(3, children.size(), read(log));
        // The children start as fast as their launcher: the same kept RocksDB library (issue 14).
        for (ProcessHandle child : children) {
            // Linux's own record: ProcessHandle.Info leaves out the arguments of a command line this long.
            List<String> args = List.of(Files.readString(Path.of("/proc", Long.toString(child.pid()), "cmdline"))
                    .split("\0"));
            assertTrue(args.contains(LauncherJvm.fastStartOptions().get(0)), args::toString);
        }

        Matcher m = Pattern.compile("etcdctl --endpoints=(\\S+) ").matcher(read(log));
        assertTrue(m.find(), read(log));
        String[] endpoints = m.group(1).split(",");
        assertEquals(3, endpoints.length);
        Set<Long> leaders = new HashSet<>();
        Set<Long> memberIds = new HashSet<>();
        for (String e : endpoints) {
            URI uri = URI.create(e);
            ManagedChannel channel = ManagedChannelBuilder.forAddress(uri.getHost(), uri.getPort()).usePlaintext()
                    .build();
            try {
                StatusResponse s = MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .status(StatusRequest.getDefaultInstance());
                leaders.add(s.getLeader());
                memberIds.add(s.getHeader().getMemberId());
                assertEquals(s.getHeader().getClusterId(), s.getHeader().getClusterId());
            } finally {
                channel.shutdownNow();
                channel.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        // etcd's ids for the peer URLs local-cluster picked and its token.
        Set<Long> etcdIds = new HashSet<>();
        LocalPorts.loadOrPick(dir.resolve("data"), List.of("m1", "m2", "m3")).values().forEach(p -> etcdIds.add(
                io.keel.server.membership.EtcdIds.initialMember(List.of("http://127.0.0.1:" + p.peer()),
                        "keel-local-cluster")));
        assertEquals(etcdIds, memberIds);
        assertEquals(1, leaders.size(), "one leader, known to all: " + leaders);
        assertTrue(memberIds.containsAll(leaders));
        assertTrue(Files.exists(dir.resolve("data").resolve(LocalPorts.FILE)));

        // A member killed with -9 is reported; the launcher and the other two keep running.
        ProcessHandle killed = children.get(0);
        killed.destroyForcibly();
        Poll.until("the launcher reports the killed member", DEADLINE,
                () -> read(log).contains("exited with code 137; the others keep running"));
        assertTrue(launcher.isAlive(), read(log));
        assertTrue(children.stream().filter(c -> c != killed).allMatch(ProcessHandle::isAlive), read(log));

        launcher.destroy(); // SIGTERM
        assertTrue(launcher.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), read(log));
        assertEquals(ExitCodes.OK, launcher.exitValue(), read(log));
        for (ProcessHandle c : children) assertTrue(!c.isAlive(), "a member outlived the launcher: " + read(log));
        String out = read(log);
        long stoppedCleanly = List.of("m1", "m2", "m3").stream()
                .filter(name -> out.contains("[" + name + "] keel: member " + name + " stopped")).count();
        assertEquals(2, stoppedCleanly, "the two members still running stop cleanly on SIGTERM: " + out);
        assertTrue(out.contains("keel: local cluster stopped"), out);
        // gRPC logs through java.util.logging; the launcher routes it into its own log (JulBridge), so no line is in
        // java.util.logging's own format ("Dec 06, 2026 7:49:43 PM io.grpc...").
        Matcher julLine = Pattern.compile("(?m)^\\[m\\d] [A-Z][a-z]{2} \\d{2}, \\d{4} \\d{1,2}:\\d{2}:\\d{2} [AP]M ")
                .matcher(out);
        assertTrue(!julLine.find(), () -> "a line in java.util.logging's format: " + julLine.group());
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
