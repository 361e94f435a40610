package io.keel.server.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
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
        this.clientPort = freePort();
        this.peerPort = freePort();
        this.metricsPort = freePort();
        this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", clientPort).usePlaintext().build();
    }

    String peerUrl() {
        return "http://127.0.0.1:" + peerPort;
    }

    /** Starts the launcher with these flags after the member's own (name, data dir, its three URLs). */
    void start(String... more) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), KeelMain.class.getName(),
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

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
