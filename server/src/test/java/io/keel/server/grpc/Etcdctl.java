package io.keel.server.grpc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Debian's etcdctl (v3 API) run to completion against Keel members, its output kept for assertions. */
public final class Etcdctl {
    public record Result(int exit, String out, String err) {
    }

    private final Path workDir;
    private final String endpoints;

    /** @param endpoints etcdctl's {@code --endpoints}: host:port or URLs, comma separated */
    public Etcdctl(Path workDir, String endpoints) {
        this.workDir = workDir;
        this.endpoints = endpoints;
    }

    /** Runs etcdctl with {@code args}, {@code stdin} (or nothing) on its input, within 60 s. */
    public Result run(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("etcdctl", "--endpoints=" + endpoints,
                "--dial-timeout=10s", "--command-timeout=30s"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("ETCDCTL_API", "3");
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Path err = Files.createTempFile(workDir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError("etcdctl is not installed: run `apt-get install -y etcd-client` first", e);
        }
        try (var in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("etcdctl " + String.join(" ", args) + " did not finish within 60 s");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** Runs etcdctl and returns its output, failing the test unless it succeeded. */
    public String ok(String stdin, String... args) throws IOException, InterruptedException {
        Result r = run(stdin, args);
        assertEquals(0, r.exit(), () -> "etcdctl " + String.join(" ", args) + " failed: " + r);
        return r.out();
    }
}
