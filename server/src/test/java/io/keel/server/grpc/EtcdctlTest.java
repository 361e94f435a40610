package io.keel.server.grpc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
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


    static Etcdctl.Result etcdctl(String stdin, String... args) throws IOException, InterruptedException {
        return new Etcdctl(member.dir(), "127.0.0.1:" + member.server().port()).run(stdin, args);
    }

    static String ok(String stdin, String... args) throws IOException, InterruptedException {
        return new Etcdctl(member.dir(), "127.0.0.1:" + member.server().port()).ok(stdin, args);
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
        Etcdctl.Result compacted = etcdctl(null, "get", "rev/k", "--rev=" + first);
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
        Etcdctl.Result health = etcdctl(null, "endpoint", "health");
        assertEquals(0, health.exit(), health::toString);
        assertTrue(health.err().contains("127.0.0.1:" + member.server().port() + " is healthy"), health::toString);
        String members = ok(null, "member", "list");
        assertTrue(members.startsWith("1, started, 1, http://"), members);
        assertTrue(members.contains("http://127.0.0.1:" + member.server().port()), members);
        // Leases are served now: EtcdctlLeaseTest.
    }
}
