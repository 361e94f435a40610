package io.keel.server.cli;

import io.keel.server.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * etcd's --auto-tls and --peer-auto-tls: three launchers make self-signed certificates in their data directories,
 * replicate over TLS between themselves, and serve etcdctl --insecure-skip-tls-verify; plain text is refused.
 */
class AutoTlsProcessTest {
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    @Test
    void threeMembersWithAutoTlsOnBothPorts(@TempDir Path dir) throws Exception {
        List<String> names = List.of("a1", "a2", "a3");
        List<int[]> ports = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) ports.add(new int[] {FreePorts.next(), FreePorts.next()});
        String cluster = names.stream().map(n -> n + "=https://127.0.0.1:" + ports.get(names.indexOf(n))[1])
                .collect(Collectors.joining(","));
        List<Process> processes = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try {
            for (int i = 0; i < names.size(); i++) {
                String client = "https://127.0.0.1:" + ports.get(i)[0];
                String peer = "https://127.0.0.1:" + ports.get(i)[1];
                Path log = dir.resolve(names.get(i) + ".log");
                logs.add(log);
                processes.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m", "-cp", System.getProperty("java.class.path"), KeelMain.class.getName(),
                        "--name", names.get(i), "--data-dir", dir.resolve(names.get(i)).toString(),
                        "--listen-client-urls", client, "--advertise-client-urls", client,
                        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                        "--initial-cluster", cluster, "--auto-tls", "--peer-auto-tls")
                        .redirectErrorStream(true).redirectOutput(log.toFile()).start());
            }
            String e1 = "https://127.0.0.1:" + ports.get(0)[0];
            String e3 = "https://127.0.0.1:" + ports.get(2)[0];
            Poll.until("the auto-TLS cluster takes a write", DEADLINE,
                    () -> etcdctl(dir, e1, "--insecure-transport=false", "--insecure-skip-tls-verify", "put", "k", "v")[0].equals("0"),
                    () -> tails(logs));
            Poll.until("a3 has the write (peers talk over auto TLS)", DEADLINE, () -> {
                String[] r = etcdctl(dir, e3, "--insecure-transport=false", "--insecure-skip-tls-verify", "get", "k", "--print-value-only",
                        "--consistency=s");
                return r[0].equals("0") && r[1].trim().equals("v");
            }, () -> tails(logs));
            for (String n : names) {
                for (String port : List.of("client", "peer")) {
                    Path fixtures = dir.resolve(n).resolve("fixtures").resolve(port);
                    assertTrue(Files.isRegularFile(fixtures.resolve("cert.pem"))
                            && Files.isRegularFile(fixtures.resolve("key.pem")), () -> "no certificate in " + fixtures);
                }
            }
            assertNotEquals("0", etcdctl(dir, "http://127.0.0.1:" + ports.get(0)[0], "get", "k")[0],
                    "plain text is refused on an auto-TLS port");
            assertNotEquals("0", etcdctl(dir, e1, "get", "k")[0], "a client that checks certificates refuses a"
                    + " self-signed one");
            Path a1Log = logs.get(0);
            Poll.until("a1 logs that the client refused its certificate", DEADLINE, () -> {
                try {
                    return Files.readString(a1Log).contains("the client does not accept this member's certificate");
                } catch (IOException e) {
                    return false;
                }
            });
            StringWriter out = new StringWriter();
            CommandLine cmd = LauncherCommandLine.full();
            cmd.setOut(new PrintWriter(out));
            assertEquals(0, cmd.execute("status", "--endpoints", e1, "--cluster", "--insecure-skip-tls-verify"),
                    out::toString);
            for (int[] p : ports) assertTrue(out.toString().contains("https://127.0.0.1:" + p[0]), out::toString);
        } finally {
            for (Process p : processes) {
                p.destroyForcibly();
                p.waitFor(60, TimeUnit.SECONDS);
            }
        }
    }

    private static String tails(List<Path> logs) {
        StringBuilder b = new StringBuilder();
        for (Path l : logs) {
            try {
                List<String> lines = Files.readAllLines(l);
                b.append("\n--- ").append(l.getFileName()).append(":\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
            } catch (IOException e) {
                b.append("\n(").append(e).append(")");
            }
        }
        return b.toString();
    }

    /** etcdctl's exit code and output. */
    private static String[] etcdctl(Path dir, String endpoint, String... args) {
        List<String> command = new ArrayList<>(List.of("etcdctl", "--endpoints=" + endpoint, "--dial-timeout=5s",
                "--command-timeout=10s"));
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(dir, "etcdctl", ".out");
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("ETCDCTL_API", "3");
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("etcdctl " + command + " did not finish within 60 s");
            }
            return new String[] {String.valueOf(p.exitValue()), Files.readString(out)};
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
