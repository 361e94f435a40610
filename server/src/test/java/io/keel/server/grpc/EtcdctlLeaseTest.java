package io.keel.server.grpc;

import io.keel.server.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * etcdctl's lease commands (Debian's etcd-client, etcdctl 3.4) against Keel: grant, keep-alive (a long-running
 * process whose output is read as it runs), revoke, timetolive --keys, list, and {@code put --lease} with expiry.
 */
class EtcdctlLeaseTest {
    private static final Pattern GRANTED = Pattern.compile("lease ([0-9a-f]+) granted with TTL\\((\\d+)s\\)");

    @RegisterExtension
    static final LeaderForClass member = new LeaderForClass();


    private static List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of("etcdctl", "--endpoints=127.0.0.1:" + member.server().port(),
                "--dial-timeout=10s", "--command-timeout=30s"));
        command.addAll(List.of(args));
        return command;
    }

    /** Runs etcdctl to completion; returns its stdout after checking it succeeded. */
    private static String ok(String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(member.dir(), "out", ".txt");
        Path err = Files.createTempFile(member.dir(), "err", ".txt");
        Process p = start(command(args), out, err);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("etcdctl " + String.join(" ", args) + " did not finish within 60 s");
        }
        assertEquals(0, p.exitValue(), () -> "etcdctl " + String.join(" ", args) + " failed: " + read(err));
        return read(out);
    }

    private static Process start(List<String> command, Path out, Path err) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("ETCDCTL_API", "3");
        try {
            return pb.start();
        } catch (IOException e) {
            throw new AssertionError("etcdctl is not installed: run `apt-get install -y etcd-client` first", e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String grant(long ttl) throws IOException, InterruptedException {
        String out = ok("lease", "grant", Long.toString(ttl));
        Matcher m = GRANTED.matcher(out);
        assertTrue(m.find(), out);
        assertEquals(ttl, Long.parseLong(m.group(2)), out);
        return m.group(1);
    }

    @Test
    void grantPutTimeToLiveWithKeysListAndRevoke() throws Exception {
        String id = grant(300);
        ok("put", "--lease=" + id, "etcdctl/leased", "v");
        String ttl = ok("lease", "timetolive", id, "--keys");
        assertTrue(ttl.matches("(?s)lease " + id + " granted with TTL\\(300s\\), remaining\\(\\d+s\\), attached keys\\("
                + "\\[etcdctl/leased\\]\\)\\s*"), ttl);
        assertTrue(ok("lease", "list").contains(id), "lease list names the lease");
        assertEquals("lease " + id + " revoked", ok("lease", "revoke", id).trim());
        assertEquals("", ok("get", "etcdctl/leased").trim(), "revoking deleted the key");
        assertEquals("lease " + id + " already expired", ok("lease", "timetolive", id).trim());
    }

    @Test
    void keepAliveRenewsUntilStoppedThenTheLeaseExpiresAndItsKeyGoes() throws Exception {
        String id = grant(2); // etcd's minimum TTL here
        ok("put", "--lease=" + id, "etcdctl/kept", "v");
        Path out = Files.createTempFile(member.dir(), "keepalive", ".txt");
        Path err = Files.createTempFile(member.dir(), "keepalive-err", ".txt");
        Process keepAlive = start(command("lease", "keep-alive", id), out, err);
        try {
            String line = "lease " + id + " keepalived with TTL(2)";
            // Keep-alives come every TTL/3: several answers span more than the TTL, and the key stays meanwhile.
            Poll.until("etcdctl prints five keep-alives", () -> count(read(out), line) >= 5);
            assertTrue(keepAlive.isAlive(), read(err));
            assertEquals("v", ok("get", "--print-value-only", "etcdctl/kept").trim());
        } finally {
            keepAlive.destroy();
            keepAlive.waitFor(30, TimeUnit.SECONDS);
        }
        Poll.until("the lease expires once keep-alives stop and its key is deleted",
                () -> !member.keel().get("etcdctl/kept").isPresent());
        assertEquals("lease " + id + " already expired", ok("lease", "timetolive", id).trim());
    }

    @Test
    void keepAliveOnceAnswersTheTtl() throws Exception {
        String id = grant(120);
        assertEquals("lease " + id + " keepalived with TTL(120)", ok("lease", "keep-alive", "--once", id).trim());
    }

    private static int count(String text, String line) {
        int n = 0;
        for (String l : text.split("\n")) if (l.trim().equals(line)) n++;
        return n;
    }
}
