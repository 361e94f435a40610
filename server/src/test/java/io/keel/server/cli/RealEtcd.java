package io.keel.server.cli;

import io.keel.server.Poll;
import io.keel.server.grpc.Etcdctl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * etcd 3.4 itself ({@code /usr/bin/etcd}), one member on free loopback ports, for tests that compare Keel's answers
 * with etcd's for the same etcdctl session. Closing it kills the process.
 */
final class RealEtcd implements AutoCloseable {
    final int clientPort = FreePorts.next();
    private final int peerPort = FreePorts.next();
    private final Path log;
    private final Process process;

    RealEtcd(Path dir, String... more) throws IOException {
        String peer = "http://127.0.0.1:" + peerPort;
        String client = "http://127.0.0.1:" + clientPort;
        List<String> cmd = new java.util.ArrayList<>(List.of("etcd", "--name", "etcd0",
                "--data-dir", dir.resolve("etcd0.etcd").toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "etcd0=" + peer, "--initial-cluster-token", "real-etcd"));
        cmd.addAll(List.of(more));
        log = dir.resolve("etcd0.log");
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Etcdctl ctl = new Etcdctl(dir, endpoint());
        Poll.until("etcd answers on " + endpoint(), Duration.ofSeconds(60), () -> {
            try {
                return process.isAlive() && ctl.run(null, "endpoint", "health").exit() == 0;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }, this::output);
    }

    String endpoint() {
        return "127.0.0.1:" + clientPort;
    }

    String output() {
        try {
            return "\netcd's output:\n" + Files.readString(log);
        } catch (IOException e) {
            return "\n(no etcd output: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }
}
