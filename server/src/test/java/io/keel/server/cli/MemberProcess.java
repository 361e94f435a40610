package io.keel.server.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A launcher running in a child JVM on this test's classpath ({@code java -cp <classpath> io.keel.server.cli.KeelMain
 * ...}), its output in a file, and a gRPC channel to its client port. The ports are fixed at creation so the member
 * can be restarted on them.
 */
final class MemberProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final String name;
    final int clientPort;
    final int peerPort;
    final int metricsPort;
    final ManagedChannel channel;
    private final Path dir;
    private Process process;
    private Path log;
    private int starts;

    MemberProcess(String name, Path dir) {
        this.name = name;
        this.dir = dir;
        this.clientPort = FreePorts.next();
        this.peerPort = FreePorts.next();
        this.metricsPort = FreePorts.next();
        this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", clientPort).usePlaintext().build();
    }

    Path dataDir() {
        return dir.resolve(name);
    }

    String peerUrl() {
        return "http://127.0.0.1:" + peerPort;
    }

    /** Starts the launcher with these flags after the member's own (name, data dir, its three URLs). */
    void start(String... more) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m"));
        cmd.addAll(LauncherJvm.fastStartOptions());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), KeelMain.class.getName(),
                "--name", name, "--data-dir", dir.resolve(name).toString(),
                "--listen-client-urls", "http://127.0.0.1:" + clientPort,
                "--advertise-client-urls", "http://127.0.0.1:" + clientPort,
                "--listen-peer-urls", peerUrl(), "--initial-advertise-peer-urls", peerUrl(),
                "--listen-metrics-urls", "http://127.0.0.1:" + metricsPort));
        cmd.addAll(List.of(more));
        log = dir.resolve(name + "-" + (++starts) + ".log");
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    Process process() {
        return process;
    }

    String output() {
        try {
            return log == null ? "" : Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The member id this run printed at start ({@code keel: member m1 (id ...)}), or 0 before it printed it. */
    long printedId() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("keel: member \\S+ \\(id ([0-9a-f]+)\\)")
                .matcher(output());
        return m.find() ? Long.parseUnsignedLong(m.group(1), 16) : 0;
    }

    /** "running", "exited with N" or "not started", for a failure message. */
    String describeState() {
        if (process == null) return "not started";
        return process.isAlive() ? "running (pid " + process.pid() + ")" : "exited with " + process.exitValue();
    }

    /** The last {@code lines} lines of the current run's output. */
    String outputTail(int lines) {
        List<String> all = output().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** The first {@code lines} lines of the current run's output that report an error or an exception. */
    String outputErrors(int lines) {
        List<String> errors = output().lines().filter(l -> l.contains("ERROR") || l.contains("Exception"))
                .limit(lines).toList();
        return errors.isEmpty() ? "(none)" : String.join("\n", errors);
    }

    /** GET on the ops port; -1 when nothing answers. */
    int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    String metrics() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(60, TimeUnit.SECONDS);
    }

    /** Kills the process if it still runs (kill -9: the test is over) and closes the channel. */
    @Override
    public void close() throws InterruptedException {
        try {
            if (process != null && process.isAlive()) kill9();
        } finally {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
