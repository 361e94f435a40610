package io.keel.server.cli;

import io.keel.server.Keel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launcher's flags, config file and refusals: each bad input is one clear line and a documented exit code. */
class LauncherFlagsTest {
    private static final String CLUSTER = "m1=http://127.0.0.1:12380,m2=http://127.0.0.1:22380,m3=http://127.0.0.1:32380";

    @Test
    void defaultsAreEtcdsWithKeelsDataDirectory() {
        MemberSettings s = settings();
        assertEquals("default", s.name());
        assertEquals(Path.of("default.keel"), s.dataDir());
        assertEquals(2379, s.clientListen().getPort());
        assertEquals(2380, s.peerListen().getPort());
        // etcd's well-known default ids: the same flags give the same ids on etcd and Keel.
        assertEquals(0x8e9e05c52164694dL, s.id());
        assertEquals(Map.of(s.id(), s.peerAdvertise()), s.initialCluster());
        assertEquals(0xcdf818194e3a8c32L, s.urls().newClusterId());
        assertTrue(s.newCluster());
        assertNull(s.metricsListen(), "no ops port unless asked for, as etcd");
        assertEquals(Duration.ofMillis(100), s.heartbeatInterval());
        assertEquals(Duration.ofMillis(1000), s.electionTimeout());
        assertEquals(Duration.ofMinutes(5), s.leaseCheckpointInterval(), "etcd's default lease checkpoint interval");
    }

    @Test
    void theLeaseCheckpointIntervalIsAGoDurationAsEtcdTakesIt() {
        assertEquals(Duration.ofSeconds(90), settings("--experimental-lease-checkpoint-interval", "1m30s")
                .leaseCheckpointInterval());
        assertEquals(Duration.ofMillis(1500), settings("--experimental-lease-checkpoint-interval", "1.5s",
                "--experimental-enable-lease-checkpoint").leaseCheckpointInterval());
        assertEquals(Duration.ofMillis(500), MemberSettings.goDuration("f", "500ms"));
        assertEquals(Duration.ofHours(2), MemberSettings.goDuration("f", "2h"));
        refused(ExitCodes.USAGE, "--experimental-lease-checkpoint-interval '5 minutes': expected a positive duration",
                "--experimental-lease-checkpoint-interval", "5 minutes");
        refused(ExitCodes.USAGE, "--experimental-lease-checkpoint-interval '0s': expected a positive duration",
                "--experimental-lease-checkpoint-interval", "0s");
        refused(ExitCodes.USAGE, "Keel always checkpoints leases", "--experimental-enable-lease-checkpoint=false");
    }

    @Test
    void authTokensAreEtcdsFlags() {
        assertNull(settings().authTokens().jwt(), "simple tokens by default, as etcd");
        assertEquals(Duration.ofSeconds(300), settings().authTokens().simpleTtl());
        assertEquals(Duration.ofSeconds(60), settings("--auth-token-ttl", "60").authTokens().simpleTtl());
        refused(ExitCodes.USAGE, "--auth-token: unknown token type 'magic'", "--auth-token", "magic");
        refused(ExitCodes.USAGE, "--auth-token-ttl 0: must be positive", "--auth-token-ttl", "0");
        refused(ExitCodes.USAGE, "--auth-token: jwt needs sign-method", "--auth-token", "jwt,pub-key=/none");
        refused(ExitCodes.USAGE, "--auth-token: jwt: cannot read /nonexistent.pem", "--auth-token",
                "jwt,pub-key=/nonexistent.pem,sign-method=RS256");
    }

    @Test
    void threeMemberFlagsDeriveTheSameIdsInEveryMember() {
        MemberSettings m1 = settings(memberFlags("m1", 12380));
        MemberSettings m2 = settings(memberFlags("m2", 22380));
        assertEquals(m1.initialCluster(), m2.initialCluster(), "every member derives the same id -> address map");
        assertEquals(3, m1.initialCluster().size());
        assertEquals(etcdId(12380), m1.id());
        assertEquals(etcdId(22380), m2.id());
        assertNotEquals(m1.id(), m2.id());
        assertEquals(new InetSocketAddress("127.0.0.1", 22380), m1.initialCluster().get(m2.id()));
        assertEquals("m3", m1.names().get(etcdId(32380)));
        assertEquals(m1.urls().newClusterId(), m2.urls().newClusterId());
        assertEquals(new InetSocketAddress("127.0.0.1", 2381), m1.metricsListen());
        assertFalse(settings(append(memberFlags("m1", 12380), "--initial-cluster-state", "existing")).newCluster());
    }

    @Test
    void aMemberAddedAtRuntimeJoinsWithTheIdsMemberAddPrinted() {
        String cluster = CLUSTER + ",m4=http://127.0.0.1:42380";
        MemberSettings m4 = settings("--name", "m4", "--listen-peer-urls", "http://127.0.0.1:42380",
                "--initial-advertise-peer-urls", "http://127.0.0.1:42380", "--initial-cluster", cluster,
                "--initial-cluster-state", "existing", "--member-id", "8e9e05c52164694d", "--cluster-id", "cdf818194e3a8c32");
        assertEquals(0x8e9e05c52164694dL, m4.id());
        assertEquals(0xcdf818194e3a8c32L, m4.joinClusterId());
        assertEquals(new InetSocketAddress("127.0.0.1", 42380), m4.initialCluster().get(m4.id()));
        assertEquals(new InetSocketAddress("127.0.0.1", 12380), m4.initialCluster().get(etcdId(12380)),
                "the initial members keep the ids their peer URLs give them");
        assertEquals(0, settings(memberFlags("m1", 12380)).joinClusterId(), "an initial member joins nothing");
    }

    @Test
    void memberIdsAreStableAndNonZero() {
        // Pinned: a change here would make every existing data directory refuse its member.
        assertEquals(MemberIds.fromName("m1"), MemberIds.fromName("m1"));
        assertNotEquals(0, MemberIds.fromName(""));
        assertNotEquals(MemberIds.fromName("m1"), MemberIds.fromName("m2"));
    }

    @Test
    void configFileGivesTheSameSettingsAsFlags(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("keel.yml");
        Files.writeString(file, String.join("\n",
                "# etcd-style: flag names as keys",
                "name: m2",
                "data-dir: /var/lib/keel/m2",
                "listen-client-urls: http://127.0.0.1:22379",
                "advertise-client-urls: http://127.0.0.1:22379",
                "listen-peer-urls: http://127.0.0.1:22380",
                "initial-advertise-peer-urls: http://127.0.0.1:22380",
                "initial-cluster: " + CLUSTER,
                "initial-cluster-state: existing",
                "initial-cluster-token: prod-a",
                "listen-metrics-urls: http://127.0.0.1:22381",
                "heartbeat-interval: 50",
                "election-timeout: 500",
                "quota-backend-bytes:", // an empty key, as in etcd's sample file, is skipped
                ""));
        MemberSettings fromFile = settings("--config-file", file.toString());
        MemberSettings fromFlags = settings("--name", "m2", "--data-dir", "/var/lib/keel/m2",
                "--listen-client-urls", "http://127.0.0.1:22379", "--advertise-client-urls", "http://127.0.0.1:22379",
                "--listen-peer-urls", "http://127.0.0.1:22380", "--initial-advertise-peer-urls",
                "http://127.0.0.1:22380", "--initial-cluster", CLUSTER, "--initial-cluster-state", "existing",
                "--initial-cluster-token", "prod-a", "--listen-metrics-urls", "http://127.0.0.1:22381",
                "--heartbeat-interval", "50", "--election-timeout", "500");
        assertEquals(fromFlags, fromFile);
    }

    @Test
    void badFlagsAreRefusedWithOneLineAndExitCode2(@TempDir Path dir) throws IOException {
        refused(ExitCodes.USAGE, "Unknown option: '--bogus'", "--bogus");
        refused(ExitCodes.USAGE, "--listen-client-urls https://... needs --cert-file and --key-file (or --auto-tls)",
                "--listen-client-urls", "https://127.0.0.1:2379");
        refused(ExitCodes.USAGE, "--listen-client-urls 'unix://c.sock': Keel serves clients on TCP only",
                "--listen-client-urls", "unix://c.sock");
        refused(ExitCodes.USAGE, "--listen-peer-urls 'http://127.0.0.1:1,': an empty URL in the list",
                "--listen-peer-urls", "http://127.0.0.1:1,");
        refused(ExitCodes.USAGE, "--initial-cluster [m1, m2, m3] does not name this member (--name m4)",
                "--name", "m4", "--initial-cluster", CLUSTER, "--initial-advertise-peer-urls", "http://127.0.0.1:1");
        refused(ExitCodes.USAGE, "--initial-cluster gives m1 the peer URL http://127.0.0.1:12380 but"
                        + " --initial-advertise-peer-urls is http://127.0.0.1:9999: they must match",
                "--name", "m1", "--initial-cluster", CLUSTER, "--initial-advertise-peer-urls", "http://127.0.0.1:9999");
        refused(ExitCodes.USAGE, "--initial-cluster-state 'old': expected new or existing",
                "--initial-cluster-state", "old");
        refused(ExitCodes.USAGE, "--initial-cluster gives m1 the peer URL http://127.0.0.1:1,http://127.0.0.1:2 but"
                        + " --initial-advertise-peer-urls is http://127.0.0.1:1: they must match",
                "--name", "m1", "--initial-advertise-peer-urls", "http://127.0.0.1:1", "--initial-cluster",
                "m1=http://127.0.0.1:1,m1=http://127.0.0.1:2");
        refused(ExitCodes.USAGE, "--initial-cluster names m1=http://127.0.0.1:1 twice",
                "--name", "m1", "--initial-advertise-peer-urls", "http://127.0.0.1:1", "--initial-cluster",
                "m1=http://127.0.0.1:1,m1=http://127.0.0.1:1");
        refused(ExitCodes.USAGE, "--election-timeout 400 ms must be at least 5 times --heartbeat-interval 100 ms",
                "--election-timeout", "400");
        refused(ExitCodes.USAGE, "Invalid value for option '--heartbeat-interval'", "--heartbeat-interval", "fast");
        refused(ExitCodes.USAGE, "--member-id is for joining a running cluster: it needs --initial-cluster-state"
                + " existing and --cluster-id", "--member-id", "1a");
        refused(ExitCodes.USAGE, "--cluster-id needs --member-id", "--cluster-id", "1a");
        refused(ExitCodes.USAGE, "--member-id 'xyz': expected a hexadecimal id", "--member-id", "xyz",
                "--initial-cluster-state", "existing", "--cluster-id", "1a");

        Path file = dir.resolve("keel.yml");
        Files.writeString(file, "name: m1\n");
        refused(ExitCodes.USAGE, "--config-file cannot be combined with other flags",
                "--config-file", file.toString(), "--name", "m2");
        Files.writeString(file, "name: m1\nsnapshot-counter: 5\n");
        refused(ExitCodes.USAGE, "Unknown option: '--snapshot-counter=5'", "--config-file", file.toString());
        Files.writeString(file, "name: [m1\n");
        refused(ExitCodes.USAGE, "is not valid YAML", "--config-file", file.toString());
        refused(ExitCodes.USAGE, "no such file", "--config-file", dir.resolve("missing.yml").toString());
    }

    @Test
    void aForeignDataDirectoryIsRefusedWithExitCode3(@TempDir Path dir) {
        InetSocketAddress m1Peer = FreePorts.loopback();
        // m1's data, made by a member that ran and stopped.
        Keel.builder().id(MemberIds.fromName("m1")).dataDir(dir.resolve("data")).listen(m1Peer)
                .initialCluster(Map.of(MemberIds.fromName("m1"), m1Peer)).initialClusterToken("t").start().close();
        InetSocketAddress m2Peer = FreePorts.loopback();
        String out = refused(ExitCodes.DATA_DIR_REFUSED, "member m2 refused its data directory: data directory ",
                "--name", "m2", "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", url(FreePorts.loopback()), "--listen-peer-urls", url(m2Peer),
                "--initial-advertise-peer-urls", url(m2Peer), "--initial-cluster-token", "t");
        assertTrue(out.contains("belongs to"), out);
    }

    @Test
    void existingStateWithoutDataIsRefusedWithExitCode3(@TempDir Path dir) {
        InetSocketAddress peer = FreePorts.loopback();
        refused(ExitCodes.DATA_DIR_REFUSED, "member m1 refused its data directory: no Keel data in ",
                "--name", "m1", "--data-dir", dir.resolve("empty").toString(), "--initial-cluster-state", "existing",
                "--listen-client-urls", url(FreePorts.loopback()), "--listen-peer-urls", url(peer),
                "--initial-advertise-peer-urls", url(peer));
    }

    @Test
    void aTakenPortIsRefusedWithExitCode4(@TempDir Path dir) throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress busy = new InetSocketAddress("127.0.0.1", taken.getLocalPort());
            InetSocketAddress peer = FreePorts.loopback();
            refused(ExitCodes.CANNOT_LISTEN, "member m1", "--name", "m1", "--data-dir", dir.resolve("a").toString(),
                    "--listen-client-urls", url(busy), "--listen-peer-urls", url(peer),
                    "--initial-advertise-peer-urls", url(peer));
            refused(ExitCodes.CANNOT_LISTEN, "member m1", "--name", "m1", "--data-dir", dir.resolve("b").toString(),
                    "--listen-client-urls", url(FreePorts.loopback()), "--listen-peer-urls", url(busy),
                    "--initial-advertise-peer-urls", url(busy));
            refused(ExitCodes.CANNOT_LISTEN, "cannot listen for metrics on " + url(busy), "--name", "m1",
                    "--data-dir", dir.resolve("c").toString(), "--listen-client-urls", url(FreePorts.loopback()),
                    "--listen-peer-urls", url(peer), "--initial-advertise-peer-urls", url(peer),
                    "--listen-metrics-urls", url(busy));
        }
    }

    @Test
    void helpAndVersionExitZero() {
        StringWriter out = new StringWriter();
        int code = KeelMain.execute(new String[] {"--help"}, new PrintWriter(out, true),
                new PrintWriter(new StringWriter(), true));
        assertEquals(ExitCodes.OK, code);
        assertTrue(out.toString().contains("--initial-cluster-state"), out.toString());
        assertTrue(out.toString().contains("local-cluster"), out.toString());
    }

    // ------------------------------------------------------------------ helpers

    private static MemberSettings settings(String... args) {
        KeelCommand cmd = new KeelCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.settings();
    }

    /** Runs the launcher in this JVM; asserts the exit code and that stderr's first line holds {@code message}. */
    private static String refused(int exitCode, String message, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // A launcher that wrongly started would run until stopped: the timeout turns that into a failure.
        int code = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> KeelMain.execute(args,
                new PrintWriter(out, true), new PrintWriter(err, true)));
        String firstLine = err.toString().lines().findFirst().orElse("");
        assertEquals(exitCode, code, () -> "exit code for " + List.of(args) + "; stderr: " + err);
        assertTrue(firstLine.startsWith("keel: ") && firstLine.contains(message),
                () -> "expected '" + message + "' in the first line of stderr: " + err);
        assertFalse(err.toString().contains("\tat "), () -> "a refusal prints no stack trace: " + err);
        return firstLine;
    }

    /** etcd's id for an initial member at this port of 127.0.0.1, with the default token. */
    private static long etcdId(int peerPort) {
        return io.keel.server.membership.EtcdIds.initialMember(List.of("http://127.0.0.1:" + peerPort),
                "etcd-cluster");
    }

    private static String[] memberFlags(String name, int peerPort) {
        // A data directory that does not exist: ids are derived as for a new member, whatever the working directory
        // holds (a data directory made with name-derived ids keeps them: EtcdUrlFlagsTest).
        return new String[] {"--name", name, "--data-dir", "/nonexistent/keel-flags-test/" + name,
                "--listen-peer-urls", "http://127.0.0.1:" + peerPort,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort, "--initial-cluster", CLUSTER,
                "--listen-metrics-urls", "http://127.0.0.1:2381"};
    }

    private static String[] append(String[] args, String... more) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    static String url(InetSocketAddress a) {
        return "http://127.0.0.1:" + a.getPort();
    }
}
