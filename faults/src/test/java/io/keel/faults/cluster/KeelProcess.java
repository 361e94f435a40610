package io.keel.faults.cluster;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.keel.faults.net.Network;
import io.keel.faults.net.Shell;
import io.keel.faults.net.Teardown;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One member: the distribution's {@code bin/keel} run inside its slot's network namespace ({@code ip netns exec}
 * and the script both exec, so the process's pid is the JVM's own and signals reach it). Every start writes a new
 * log, {@code <name>-<n>.log}, kept for a failing run's folder. The client channel outlives restarts.
 */
public final class KeelProcess implements AutoCloseable {
    public static final int CLIENT_PORT = 2379;
    public static final int PEER_PORT = 2380;
    public static final int METRICS_PORT = 2381;
    /** Each member's heap: five members and the test JVM share a small machine. */
    private static final String JAVA_OPTS = "-Xmx200m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";

    public final String name;
    public final int slot;
    public final Path dataDir;
    public final ManagedChannel channel;
    private final Network net;
    private final Path distribution;
    private final Path logDir;
    private Process process;
    private Path log;
    private int starts;

    KeelProcess(String name, int slot, Network net, Path distribution, Path dataDir, Path logDir) {
        this.name = name;
        this.slot = slot;
        this.net = net;
        this.distribution = distribution;
        this.dataDir = dataDir;
        this.logDir = logDir;
        this.channel = ManagedChannelBuilder.forAddress(address(), CLIENT_PORT).usePlaintext().build();
    }

    public String address() {
        return net.address(slot);
    }

    public String peerUrl() {
        return "http://" + address() + ":" + PEER_PORT;
    }

    public String clientUrl() {
        return "http://" + address() + ":" + CLIENT_PORT;
    }

    /** Starts the launcher with the member's own flags, then {@code more}, with {@code env} added. */
    synchronized void start(List<String> more, Map<String, String> env) {
        if (isRunning()) throw new IllegalStateException(name + " is already running");
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", net.namespace(slot),
                distribution.resolve("bin/keel").toString(), "--name", name, "--data-dir", dataDir.toString(),
                "--listen-client-urls", clientUrl(), "--advertise-client-urls", clientUrl(),
                "--listen-peer-urls", peerUrl(), "--initial-advertise-peer-urls", peerUrl(),
                "--listen-metrics-urls", "http://" + address() + ":" + METRICS_PORT));
        cmd.addAll(more);
        log = logDir.resolve(name + "-" + (++starts) + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        // A JVM crash's report beside the run's log, not in the working directory (which may be the full disk).
        pb.environment().put("JAVA_OPTS", JAVA_OPTS + " -XX:ErrorFile=" + logDir.resolve(name + "-" + starts
                + "-hs_err.log"));
        pb.environment().putAll(env);
        try {
            Files.writeString(logDir.resolve(name + "-" + starts + ".cmd"), String.join(" ", cmd) + "\n" + env + "\n");
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Teardown.register(this);
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        return process.pid();
    }

    /** kill -9, and waits for the process to be gone. */
    public void kill9() {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p == null) return;
        p.destroyForcibly();
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM (a leader hands leadership over first), then waits; kill -9 after {@code seconds}. Its exit code. */
    public int stop(int seconds) {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p == null || !p.isAlive()) return p == null ? -1 : p.exitValue();
        signal("TERM");
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) kill9();
            return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Sends a signal by name (STOP, CONT, TERM) to the member's JVM. */
    public void signal(String name) {
        Shell.run("kill", "-" + name, Long.toString(pid()));
    }

    /** Waits up to {@code seconds} for the process to exit by itself; its exit code, or empty if it still runs. */
    public java.util.OptionalInt awaitExit(int seconds) {
        Process p;
        synchronized (this) {
            p = process;
        }
        try {
            return p.waitFor(seconds, TimeUnit.SECONDS) ? java.util.OptionalInt.of(p.exitValue())
                    : java.util.OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.OptionalInt.empty();
        }
    }

    /** The current run's log so far. */
    public String output() {
        try {
            return log == null ? "" : Files.readString(log);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /**
     * The last {@code lines} lines of the current run's log, for a failure's message: CI shows only the test's output,
     * not the run's folder, and a member that died unexpectedly (a JVM crash prints its summary there) says why in it.
     */
    public String outputTail(int lines) {
        List<String> all = output().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Kills the process if it still runs and closes the channel. */
    @Override
    public void close() {
        kill9();
        channel.shutdownNow();
        Teardown.unregister(this);
    }

    @Override
    public String toString() {
        return name;
    }
}
