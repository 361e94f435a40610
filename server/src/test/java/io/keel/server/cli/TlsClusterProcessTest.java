package io.keel.server.cli;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.netty.GrpcSslContexts;
import io.keel.server.Poll;
import io.keel.server.tls.TestCa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three launcher processes with TLS on both ports, as etcd's flags set it (client certificates required, a
 * revocation list, peers limited to one CN), driven by etcdctl with --cacert/--cert/--key and by jetcd: what is
 * served, what is refused at the handshake with one line in the member's log, and certificates replaced on disk.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsClusterProcessTest {
    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final String PEER_CN = "keel-peer";
    /** etcdctl prints the new id with %16x: an id below 2^60 is padded with spaces, so one or more. */
    private static final java.util.regex.Pattern ADDED =
            java.util.regex.Pattern.compile("Member\\s+([0-9a-f]+) added to cluster");

    private Path dir;

    private TestCa ca;
    private TestCa otherCa;
    private TestCa.Issued client;
    private Path crl;
    private final List<Member> members = new ArrayList<>();
    private String initialCluster;

    /** One launcher process with its fixed ports and files. */
    final class Member {
        final String name;
        final int clientPort = FreePorts.next();
        final int peerPort = FreePorts.next();
        final int metricsPort = FreePorts.next();
        TestCa.Issued serving;
        TestCa.Issued peer;
        Process process;
        Path log;
        int starts;

        Member(String name) {
            this.name = name;
        }

        String clientUrl() {
            return "https://127.0.0.1:" + clientPort;
        }

        String peerUrl() {
            return "https://127.0.0.1:" + peerPort;
        }

        void start(TestCa.Issued peerCert) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                            .toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    KeelMain.class.getName(), "--name", name, "--data-dir", dir.resolve(name).toString(),
                    "--listen-client-urls", clientUrl(), "--advertise-client-urls", clientUrl(),
                    "--listen-peer-urls", peerUrl(), "--initial-advertise-peer-urls", peerUrl(),
                    "--listen-metrics-urls", "http://127.0.0.1:" + metricsPort,
                    "--initial-cluster", initialCluster, "--initial-cluster-token", "tls-test",
                    "--cert-file", serving.cert().toString(), "--key-file", serving.key().toString(),
                    "--trusted-ca-file", ca.certFile.toString(), "--client-cert-auth",
                    "--client-crl-file", crl.toString(),
                    "--peer-cert-file", peerCert.cert().toString(), "--peer-key-file", peerCert.key().toString(),
                    "--peer-trusted-ca-file", ca.certFile.toString(), "--peer-client-cert-auth",
                    "--peer-crl-file", crl.toString(), "--peer-cert-allowed-cn", PEER_CN));
            log = dir.resolve(name + "-" + (++starts) + ".log");
            process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        }

        String output() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return "(" + e + ")";
            }
        }

        void kill() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(60, TimeUnit.SECONDS);
            }
        }
    }

    @BeforeAll
    void startCluster(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        ca = new TestCa(dir.resolve("pki"), "cluster");
        otherCa = new TestCa(dir.resolve("other-pki"), "other");
        client = ca.issue("alice");
        crl = ca.writeCrl(dir.resolve("pki").resolve("crl.pem"));
        for (String n : List.of("m1", "m2", "m3")) members.add(new Member(n));
        initialCluster = members.stream().map(m -> m.name + "=" + m.peerUrl()).collect(Collectors.joining(","));
        for (Member m : members) {
            m.serving = ca.issue(m.name);
            m.peer = ca.issue(PEER_CN, m.name + "-peer");
            m.start(m.peer);
        }
        Poll.until("the TLS cluster takes a write", DEADLINE,
                () -> etcdctl(endpoints(), tlsFlags(client)).with("put", "ready", "yes").exit == 0, this::outputs);
    }

    @AfterAll
    void stopCluster() throws InterruptedException {
        for (Member m : members) m.kill();
    }

    @Test
    @Order(1)
    void etcdctlWithCertificatesWritesAndReadsAtEveryMember() throws Exception {
        Run put = etcdctl(members.get(0).clientUrl(), tlsFlags(client)).with("put", "greeting", "hello");
        assertEquals(0, put.exit, put::toString);
        for (Member m : members) {
            Poll.until(m.name + " serves the value over https", DEADLINE, () -> {
                Run get = etcdctl(m.clientUrl(), tlsFlags(client)).with("get", "greeting", "--print-value-only");
                return get.exit == 0 && get.out.trim().equals("hello");
            }, this::outputs);
        }
        Run status = etcdctl(endpoints(), tlsFlags(client)).with("endpoint", "status", "-w", "table");
        assertEquals(0, status.exit, status::toString);
        for (Member m : members) assertTrue(status.out.contains(m.clientUrl()), status::toString);
    }

    @Test
    @Order(2)
    void jetcdPutsAndGetsOverTlsWithAClientCertificate() throws Exception {
        var ssl = GrpcSslContexts.forClient().trustManager(ca.certFile.toFile())
                .keyManager(client.cert().toFile(), client.key().toFile()).build();
        try (Client c = Client.builder().endpoints(members.stream().map(Member::clientUrl).toArray(String[]::new))
                .sslContext(ssl).build()) {
            ByteSequence k = ByteSequence.from("jetcd-key", StandardCharsets.UTF_8);
            c.getKVClient().put(k, ByteSequence.from("over-tls", StandardCharsets.UTF_8)).get(60, TimeUnit.SECONDS);
            var got = c.getKVClient().get(k).get(60, TimeUnit.SECONDS);
            assertEquals("over-tls", got.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    @Order(3)
    void refusedClientsGetOneLogLineAndOthersAreStillServed() throws Exception {
        Member m1 = members.get(0);
        String plainUrl = "http://127.0.0.1:" + m1.clientPort;
        TestCa.Issued foreign = otherCa.issue("mallory");
        TestCa.Issued revoked = ca.issue("revoked-client");
        ca.revoke(revoked.serial(), crl);

        refused(m1, etcdctl(plainUrl), "not TLS (a plain-text client on a TLS port)");
        refused(m1, etcdctl(m1.clientUrl(), "--cacert", ca.certFile.toString()),
                "no client certificate, and this port requires one");
        refused(m1, etcdctl(m1.clientUrl(), tlsFlags(foreign)), "'CN=mallory' is not signed by a CA in");
        refused(m1, etcdctl(m1.clientUrl(), tlsFlags(revoked)), "(serial " + revoked.serial().toString(16)
                + ") is revoked by");
    }

    private void refused(Member m, Etcdctl refusedClient, String logged) throws Exception {
        // Short timeouts: etcdctl retries a refused handshake until its command timeout, and the refusal is what
        // is checked here, not how long the client insists.
        Run r = refusedClient.with("--dial-timeout=1s", "--command-timeout=2s", "put", "intruder", "x");
        assertNotEquals(0, r.exit, () -> "expected a refusal: " + r);
        Poll.until(m.name + " logs the refusal: " + logged, DEADLINE, () -> m.output().lines().anyMatch(
                l -> l.contains("client port refused a TLS connection from /127.0.0.1:") && l.contains(logged)),
                () -> m.output());
        Run ok = etcdctl(m.clientUrl(), tlsFlags(client)).with("get", "intruder", "--print-value-only");
        assertEquals(0, ok.exit, ok::toString);
        assertEquals("", ok.out.trim(), "the refused client wrote nothing");
    }

    @Test
    @Order(4)
    void keelStatusAsksHttpsMembersWithEtcdctlsFlags() {
        StringWriter out = new StringWriter();
        CommandLine cmd = LauncherCommandLine.full();
        cmd.setOut(new PrintWriter(out));
        int exit = cmd.execute("status", "--endpoints", endpoints(), "--cacert", ca.certFile.toString(),
                "--cert", client.cert().toString(), "--key", client.key().toString(), "-w", "json");
        assertEquals(0, exit, out::toString);
        for (Member m : members) assertTrue(out.toString().contains(m.clientUrl()), out::toString);
        // The cluster page of a member asks the others over https with the member's own certificate.
        Poll.until("m1's cluster page reaches every member", DEADLINE, () -> {
            String json = http("http://127.0.0.1:" + members.get(0).metricsPort + "/cluster.json");
            return json.contains("\"unreachable\":[]") && !json.contains("\"reachable\":false")
                    && members.stream().allMatch(m -> json.contains(m.clientUrl()));
        }, () -> http("http://127.0.0.1:" + members.get(0).metricsPort + "/cluster.json"));
    }

    @Test
    @Order(5)
    void aCertificateReplacedOnDiskServesNewConnectionsWithoutRestart() throws Exception {
        Member m1 = members.get(0);
        BigInteger before = servedSerial(m1);
        assertEquals(m1.serving.serial(), before);
        TestCa.Issued renewed = ca.issue(m1.name); // overwrites m1.crt and m1.key in place
        Poll.until("m1 presents its renewed certificate", DEADLINE,
                () -> renewed.serial().equals(servedSerialQuietly(m1)), m1::output);
        Run get = etcdctl(m1.clientUrl(), tlsFlags(client)).with("get", "greeting", "--print-value-only");
        assertEquals("hello", get.out.trim(), get::toString);
        assertTrue(m1.process.isAlive());
    }

    @Test
    @Order(6)
    void thePeerPortRefusesAMemberWithoutTheClustersCaOrCn() throws Exception {
        Member m1 = members.get(0);
        Member m3 = members.get(2);
        m3.kill();
        m3.start(otherCa.issue(PEER_CN, "m3-foreign-peer"));
        Poll.until("m1 refuses m3's peer certificate from another CA", DEADLINE, () -> m1.output().lines()
                .anyMatch(l -> l.contains("refused connection from") && l.contains("is not signed by a CA in")),
                m1::output);
        m3.kill();
        m3.start(ca.issue("outsider", "m3-outsider-peer"));
        Poll.until("m1 refuses m3's peer certificate with another CN", DEADLINE, () -> m1.output().lines()
                .anyMatch(l -> l.contains("refused connection from")
                        && l.contains("common name 'outsider' is not the allowed one ('" + PEER_CN + "')")),
                m1::output);
        // The other two go on serving writes meanwhile.
        Run put = etcdctl(m1.clientUrl(), tlsFlags(client)).with("put", "while-m3-refused", "1");
        assertEquals(0, put.exit, put::toString);
        m3.kill();
        m3.start(m3.peer);
        Poll.until("m3 with its own certificate catches up", DEADLINE, () -> {
            Run get = etcdctl(m3.clientUrl(), tlsFlags(client)).with("get", "while-m3-refused",
                    "--print-value-only", "--consistency=s");
            return get.exit == 0 && get.out.trim().equals("1");
        }, this::outputs);
    }

    @Test
    @Order(8)
    void aMembershipChangeSentToAFollowerIsForwardedToTheLeaderOverHttps() {
        Member follower = follower(tlsFlags(client));
        String extraPeer = "https://127.0.0.1:" + FreePorts.next();
        Run add = etcdctl(follower.clientUrl(), tlsFlags(client)).with("member", "add", "extra",
                "--peer-urls=" + extraPeer, "--learner");
        assertEquals(0, add.exit, add::toString);
        java.util.regex.Matcher added = ADDED.matcher(add.out);
        assertTrue(added.find(), add::toString);
        Run remove = etcdctl(follower.clientUrl(), tlsFlags(client)).with("member", "remove", added.group(1));
        assertEquals(0, remove.exit, remove::toString);
        assertTrue(remove.out.contains(added.group(1) + " removed from cluster"), remove::toString);
    }

    @Test
    @Order(7)
    void curlReachesTheGatewayAndMetricsOverHttps() throws Exception {
        Member m = members.get(1);
        String put = curl(m.clientUrl() + "/v3/kv/put", "-X", "POST", "-d",
                "{\"key\":\"Y3VybA==\",\"value\":\"b2s=\"}");
        assertTrue(put.contains("\"revision\":\""), put);
        String range = curl(m.clientUrl() + "/v3/kv/range", "-X", "POST", "-d", "{\"key\":\"Y3VybA==\"}");
        assertTrue(range.contains("\"value\":\"b2s=\""), range);
        String metrics = curl(m.clientUrl() + "/metrics");
        assertTrue(metrics.contains("etcd_server_version{server_version=\"3.4."), metrics);
    }

    /** curl with the client certificate, as etcd's e2e tests call the gateway; its output. */
    private String curl(String url, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "-m", "30", "--cacert", ca.certFile.toString(),
                "--cert", client.cert().toString(), "--key", client.key().toString(), url));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "curl finishes");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** Last: it turns authentication on. A forwarded change is made as its caller: root may, another user not. */
    @Test
    @Order(9)
    void aForwardedMembershipChangeIsCheckedAsItsCaller() {
        Member any = members.get(0);
        for (String[] step : List.of(new String[] {"role", "add", "root"},
                new String[] {"user", "add", "root:secret"}, new String[] {"user", "grant-role", "root", "root"},
                new String[] {"user", "add", "bob:bobs"}, new String[] {"auth", "enable"})) {
            Run r = etcdctl(any.clientUrl(), tlsFlags(client)).with(step);
            assertEquals(0, r.exit, r::toString);
        }
        Member follower = follower(withUser(tlsFlags(client), "root:secret"));
        String extraPeer = "https://127.0.0.1:" + FreePorts.next();
        Run asBob = etcdctl(follower.clientUrl(), withUser(tlsFlags(client), "bob:bobs")).with("member", "add",
                "extra2", "--peer-urls=" + extraPeer, "--learner");
        assertNotEquals(0, asBob.exit, asBob::toString);
        assertTrue(asBob.err.contains("permission denied"), asBob::toString);
        Run asRoot = etcdctl(follower.clientUrl(), withUser(tlsFlags(client), "root:secret")).with("member", "add",
                "extra2", "--peer-urls=" + extraPeer, "--learner");
        assertEquals(0, asRoot.exit, asRoot::toString);
        java.util.regex.Matcher added = ADDED.matcher(asRoot.out);
        assertTrue(added.find(), asRoot::toString);
        Run remove = etcdctl(follower.clientUrl(), withUser(tlsFlags(client), "root:secret")).with("member",
                "remove", added.group(1));
        assertEquals(0, remove.exit, remove::toString);
    }

    // ------------------------------------------------------------------ helpers

    private static String[] withUser(String[] flags, String user) {
        String[] all = java.util.Arrays.copyOf(flags, flags.length + 2);
        all[flags.length] = "--user";
        all[flags.length + 1] = user;
        return all;
    }

    /** A member that says another one leads, asked with etcdctl's {@code flags}. */
    private Member follower(String[] flags) {
        Member[] found = new Member[1];
        Poll.until("a member follows a known leader", DEADLINE, () -> {
            for (Member m : members) {
                Run status = etcdctl(m.clientUrl(), flags).with("endpoint", "status", "-w", "json");
                java.util.regex.Matcher self = java.util.regex.Pattern.compile("\"member_id\":(\\d+)")
                        .matcher(status.out);
                java.util.regex.Matcher leader = java.util.regex.Pattern.compile("\"leader\":(\\d+)")
                        .matcher(status.out);
                if (status.exit == 0 && self.find() && leader.find() && !leader.group(1).equals("0")
                        && !self.group(1).equals(leader.group(1))) {
                    found[0] = m;
                    return true;
                }
            }
            return false;
        }, this::outputs);
        return found[0];
    }

    private BigInteger servedSerialQuietly(Member m) {
        try {
            return servedSerial(m);
        } catch (Exception e) {
            return null;
        }
    }

    /** The serial of the certificate a new TLS connection to m's client port is shown. */
    private BigInteger servedSerial(Member m) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(ca.certFile)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(io.keel.server.tls.TestKeyStores.of(client), new char[0]);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", m.clientPort)) {
            s.setSoTimeout(10_000);
            var params = s.getSSLParameters();
            params.setApplicationProtocols(new String[] {"h2"});
            s.setSSLParameters(params);
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private String endpoints() {
        return members.stream().map(Member::clientUrl).collect(Collectors.joining(","));
    }

    /** etcdctl's TLS flags: trust the cluster CA (it signs the members' certificates), present {@code cert}. */
    private String[] tlsFlags(TestCa.Issued cert) {
        return new String[] {"--cacert", ca.certFile.toString(), "--cert", cert.cert().toString(),
                "--key", cert.key().toString()};
    }

    private Etcdctl etcdctl(String endpoints, String... flags) {
        return new Etcdctl(endpoints, flags);
    }

    private String outputs() {
        StringBuilder b = new StringBuilder();
        for (Member m : members) {
            List<String> lines = m.output().lines().toList();
            b.append("\n--- ").append(m.name).append(":\n")
                    .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
        }
        return b.toString();
    }

    private static String http(String url) {
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "(" + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    record Run(int exit, String out, String err) {
    }

    /** etcdctl with short timeouts: a refused handshake fails within seconds instead of retrying for long. */
    final class Etcdctl {
        private final String endpoints;
        private final String[] flags;

        Etcdctl(String endpoints, String... flags) {
            this.endpoints = endpoints;
            this.flags = flags;
        }

        Run with(String... args) {
            List<String> command = new ArrayList<>(List.of("etcdctl", "--endpoints=" + endpoints,
                    "--dial-timeout=5s", "--command-timeout=10s"));
            command.addAll(List.of(flags));
            command.addAll(List.of(args));
            try {
                Path out = Files.createTempFile(dir, "etcdctl", ".out");
                Path err = Files.createTempFile(dir, "etcdctl", ".err");
                ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
                pb.environment().put("ETCDCTL_API", "3");
                Process p = pb.start();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("etcdctl " + command + " did not finish within 60 s");
                }
                return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
