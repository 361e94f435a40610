package io.keel.server.grpc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * etcd's own command-line client (Debian's etcd-client, etcdctl 3.4) against Keel's API. etcdctl must be installed
 * ({@code apt-get install -y etcd-client}); the test fails, not skips, without it.
 */
class EtcdctlTest {
    @RegisterExtension
    static final LeaderForClass member = new LeaderForClass();


    record Result(int exit, String out, String err) {
    }

    static Result etcdctl(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("etcdctl", "--endpoints=127.0.0.1:" + member.server().port(),
                "--dial-timeout=10s", "--command-timeout=30s"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("ETCDCTL_API", "3");
        Path out = Files.createTempFile(member.dir(), "out", ".txt");
        Path err = Files.createTempFile(member.dir(), "err", ".txt");
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

    static String ok(String stdin, String... args) throws IOException, InterruptedException {
        Result r = etcdctl(stdin, args);
        assertEquals(0, r.exit(), () -> "etcdctl " + String.join(" ", args) + " failed: " + r);
        return r.out();
    }

    static long revisionOf(String json) {
        Matcher m = Pattern.compile("\"revision\":(\\d+)").matcher(json);
        assertTrue(m.find(), json);
        return Long.parseLong(m.group(1));
    }

    @Test
    void putGetDeleteAndPrefix() throws Exception {
        assertEquals("OK\n", ok(null, "put", "ctl/a", "alpha"));
        assertEquals("OK\n", ok(null, "put", "ctl/b", "beta"));
        assertEquals("ctl/a\nalpha\n", ok(null, "get", "ctl/a"));
        assertEquals("alpha\n", ok(null, "get", "ctl/a", "--print-value-only"));
        assertEquals("ctl/a\nalpha\nctl/b\nbeta\n", ok(null, "get", "--prefix", "ctl/"));
        assertEquals("ctl/a\n\nctl/b\n\n", ok(null, "get", "--prefix", "ctl/", "--keys-only"));
        assertEquals("ctl/a\nalpha\n", ok(null, "get", "--prefix", "ctl/", "--limit=1"));
        assertEquals("", ok(null, "get", "ctl/none"));

        String json = ok(null, "get", "ctl/a", "-w", "json");
        assertTrue(json.contains("\"cluster_id\":" + Long.toUnsignedString(member.keel().clusterId())), json);
        assertTrue(json.contains("\"member_id\":1,"), json);
        assertTrue(json.contains("\"raft_term\":" + member.keel().state().term()), json);
        assertTrue(json.contains("\"count\":1"), json);

        assertEquals("1\n", ok(null, "del", "ctl/a"));
        assertEquals("0\n", ok(null, "del", "ctl/a"));
        assertEquals("1\nctl/b\nbeta\n", ok(null, "del", "--prefix", "ctl/", "--prev-kv"));
        assertEquals("", ok(null, "get", "--prefix", "ctl/"));
    }

    @Test
    void revisionsAndCompaction() throws Exception {
        long first = revisionOf(ok(null, "put", "rev/k", "one", "-w", "json"));
        long second = revisionOf(ok(null, "put", "rev/k", "two", "-w", "json"));
        assertEquals("one\n", ok(null, "get", "rev/k", "--rev=" + first, "--print-value-only"));
        assertEquals("two\n", ok(null, "get", "rev/k", "--print-value-only"));

        assertEquals("compacted revision " + second + "\n", ok(null, "compaction", Long.toString(second)));
        Result compacted = etcdctl(null, "get", "rev/k", "--rev=" + first);
        assertEquals(1, compacted.exit(), compacted::toString);
        assertTrue(compacted.err().contains("etcdserver: mvcc: required revision has been compacted"),
                compacted::toString);
        assertEquals("two\n", ok(null, "get", "rev/k", "--print-value-only"));
    }

    @Test
    void txnCompareAndSet() throws Exception {
        ok(null, "put", "txn/lock", "free");
        String swap = "value(\"txn/lock\") = \"free\"\n\nput txn/lock taken\n\nget txn/lock\n\n";
        assertEquals("SUCCESS\n\nOK\n", ok(swap, "txn"));
        assertEquals("FAILURE\n\ntxn/lock\ntaken\n", ok(swap, "txn"));
        assertEquals("taken\n", ok(null, "get", "txn/lock", "--print-value-only"));
    }

    @Test
    void statusAndMembers() throws Exception {
        String status = ok(null, "endpoint", "status");
        assertTrue(status.startsWith("127.0.0.1:" + member.server().port() + ", 1, 3.4.0, "), status);
        assertTrue(status.contains(", true, false, "), status); // is leader, is learner
        Result health = etcdctl(null, "endpoint", "health");
        assertEquals(0, health.exit(), health::toString);
        assertTrue(health.err().contains("127.0.0.1:" + member.server().port() + " is healthy"), health::toString);
        String members = ok(null, "member", "list");
        assertTrue(members.startsWith("1, started, 1, http://"), members);
        assertTrue(members.contains("http://127.0.0.1:" + member.server().port()), members);
        // Leases are served now: EtcdctlLeaseTest.
    }
}
