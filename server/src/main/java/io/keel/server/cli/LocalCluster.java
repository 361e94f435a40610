package io.keel.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * {@code keel local-cluster}: three members on loopback, each a child process of this launcher (a real cluster:
 * separate JVMs, separate disks, real peer connections), their output prefixed with their names. Ctrl-C or SIGTERM
 * stops all three; a member that exits on its own (killed, failed) is reported and the others keep running.
 */
@Command(name = "local-cluster", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs a three-member cluster on 127.0.0.1 as three child processes, for trying Keel out.",
                "Ports are picked free on the first start and kept in <data-dir>/" + LocalPorts.FILE + "."})
final class LocalCluster implements java.util.concurrent.Callable<Integer> {
    private static final List<String> NAMES = List.of("m1", "m2", "m3");
    private static final String HOST = "127.0.0.1";
    private static final Duration START_DEADLINE = Duration.ofSeconds(90);

    @Option(names = "--data-dir", defaultValue = "data",
            description = "Holds one folder per member. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--initial-cluster-token", defaultValue = "keel-local-cluster",
            description = "Default: ${DEFAULT-VALUE}.")
    String token;

    private final List<Process> children = new ArrayList<>();
    private final List<Thread> pumps = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Map<String, LocalPorts> ports = LocalPorts.loadOrPick(dataDir, NAMES);
        String initialCluster = ports.entrySet().stream()
                .map(e -> e.getKey() + "=" + url(e.getValue().peer())).collect(Collectors.joining(","));

        ShutdownOwner owner = new ShutdownOwner();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            boolean bySignal = owner.claimForSignal();
            stopAll();
            if (bySignal) {
                out.println("keel: local cluster stopped");
                out.flush();
                Runtime.getRuntime().halt(ExitCodes.OK);
            }
        }, "keel-local-cluster-shutdown"));

        Map<String, Process> byName = new LinkedHashMap<>();
        for (Map.Entry<String, LocalPorts> e : ports.entrySet()) {
            Process p = spawn(e.getKey(), e.getValue(), initialCluster);
            byName.put(e.getKey(), p);
        }
        // A member that exits (killed, failed) is reported; the others keep running, so a failover can be watched.
        byName.forEach((n, p) -> p.onExit().thenRun(() -> {
            if (owner.running()) {
                System.err.println("keel: member " + n + " exited with code " + p.exitValue()
                        + "; the others keep running (Ctrl-C stops them)");
            }
        }));
        CompletableFuture<?> anyExit = CompletableFuture.anyOf(
                byName.values().stream().map(Process::onExit).toArray(CompletableFuture[]::new));
        CompletableFuture<?> allExited = CompletableFuture.allOf(
                byName.values().stream().map(Process::onExit).toArray(CompletableFuture[]::new));

        String endpoints = ports.values().stream().map(p -> url(p.client())).collect(Collectors.joining(","));
        if (waitHealthy(ports, anyExit)) {
            out.println("keel: local cluster is up (data in " + dataDir.toAbsolutePath() + "); try:");
            out.println("  etcdctl --endpoints=" + endpoints + " endpoint status -w table");
            out.println("  bin/keel status --endpoints=" + endpoints);
            out.println("  cluster page: " + url(ports.values().iterator().next().metrics()) + "/ (on every member's"
                    + " metrics port)");
            out.println("  metrics: " + ports.values().stream().map(p -> url(p.metrics()) + "/metrics")
                    .collect(Collectors.joining(" ")));
            out.println("keel: Ctrl-C stops all three");
            out.flush();
        }
        allExited.join();
        owner.claimForSelfOrWait();
        System.err.println("keel: every member has exited");
        return ExitCodes.FAILED;
    }

    private Process spawn(String name, LocalPorts ports, String initialCluster) throws IOException {
        Path dir = dataDir.resolve(name);
        boolean existing = Files.isDirectory(dir.resolve("raft-log"));
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        String logback = System.getProperty("logback.configurationFile");
        if (logback != null) cmd.add("-Dlogback.configurationFile=" + logback);
        cmd.add("-Xmx256m");
        cmd.addAll(ChildLauncherOptions.ofThisJvm()); // as fast a start as this launcher's
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(KeelMain.class.getName());
        cmd.addAll(List.of("--name", name, "--data-dir", dir.toString(),
                "--listen-client-urls", url(ports.client()), "--advertise-client-urls", url(ports.client()),
                "--listen-peer-urls", url(ports.peer()), "--initial-advertise-peer-urls", url(ports.peer()),
                "--listen-metrics-urls", url(ports.metrics()),
                "--initial-cluster", initialCluster, "--initial-cluster-token", token,
                "--initial-cluster-state", existing ? "existing" : "new",
                "--exit-with-parent", Long.toString(ProcessHandle.current().pid())));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        synchronized (children) {
            children.add(p);
        }
        Thread pump = new Thread(() -> prefix(name, p), "keel-output-" + name);
        pump.setDaemon(true);
        pump.start();
        synchronized (children) {
            pumps.add(pump);
        }
        return p;
    }

    private static void prefix(String name, Process p) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                System.out.println("[" + name + "] " + line);
            }
        } catch (IOException e) {
            // the child is gone; its exit is reported by the launcher
        }
    }

    /** Until every member's /health says it knows a leader; false if one exits or the deadline passes first. */
    private static boolean waitHealthy(Map<String, LocalPorts> ports, CompletableFuture<?> anyExit) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long end = System.nanoTime() + START_DEADLINE.toNanos();
        for (LocalPorts p : ports.values()) {
            HttpRequest health = HttpRequest.newBuilder(URI.create(url(p.metrics()) + "/health"))
                    .timeout(Duration.ofSeconds(2)).build();
            while (true) {
                if (anyExit.isDone()) return false;
                if (System.nanoTime() - end > 0) {
                    System.err.println("keel: the members did not all report a leader within "
                            + START_DEADLINE.toSeconds() + " s; they keep running");
                    return false;
                }
                try {
                    if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) break;
                } catch (IOException e) {
                    // not listening yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                LockSupport.parkNanos(Duration.ofMillis(200).toNanos()); // a poll interval
            }
        }
        return true;
    }

    /** SIGTERM to each member, then waits; one that has not stopped after 20 s is killed. */
    private void stopAll() {
        List<Process> all;
        List<Thread> outputs;
        synchronized (children) {
            all = List.copyOf(children);
            outputs = List.copyOf(pumps);
        }
        // ProcessHandle.destroy sends SIGTERM and leaves the output pipe open (Process.destroy closes it, and the
        // member's last lines would be lost, or it would get SIGPIPE while stopping).
        for (Process p : all) p.toHandle().destroy();
        for (Process p : all) {
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        try {
            for (Thread t : outputs) t.join(2_000); // their last lines (the members' "stopped")
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String url(int port) {
        return "http://" + HOST + ":" + port;
    }
}
