package io.keel.server.cli;

import io.keel.server.tls.TestCa;
import io.keel.server.tls.TlsSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** etcd's TLS flags and config-file keys: what they set, and each inconsistent combination refused in one line. */
class TlsFlagsTest {
    private static final String TLS_CLUSTER = "m1=https://127.0.0.1:12380";

    @Test
    void httpsUrlsWithFilesSetBothPorts() {
        MemberSettings s = settings("--name", "m1", "--listen-client-urls", "https://127.0.0.1:2379",
                "--advertise-client-urls", "https://127.0.0.1:2379", "--listen-peer-urls", "https://127.0.0.1:12380",
                "--initial-advertise-peer-urls", "https://127.0.0.1:12380", "--initial-cluster", TLS_CLUSTER,
                "--cert-file", "c.crt", "--key-file", "c.key", "--trusted-ca-file", "ca.crt", "--client-cert-auth",
                "--client-crl-file", "crl.pem", "--cipher-suites", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, ",
                "--peer-cert-file", "p.crt", "--peer-key-file", "p.key", "--peer-trusted-ca-file", "pca.crt",
                "--peer-client-cert-auth", "--peer-crl-file", "pcrl.pem", "--peer-cert-allowed-cn", "member");
        assertEquals(new TlsSettings(Path.of("c.crt"), Path.of("c.key"), Path.of("ca.crt"), true, false,
                Path.of("crl.pem"), List.of("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"), null), s.clientTls());
        assertEquals(new TlsSettings(Path.of("p.crt"), Path.of("p.key"), Path.of("pca.crt"), true, false,
                Path.of("pcrl.pem"), List.of("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"), "member"), s.peerTls());
        MemberSettings plain = settings();
        assertNull(plain.clientTls());
        assertNull(plain.peerTls());
        assertTrue(settings("--listen-client-urls", "https://127.0.0.1:2379", "--auto-tls").clientTls().autoTls());
    }

    @Test
    void etcdsTransportSecuritySectionsInTheConfigFileMeanTheFlags(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("keel.yaml");
        Files.writeString(file, """
                name: m1
                listen-client-urls: https://127.0.0.1:2379
                listen-peer-urls: https://127.0.0.1:12380
                initial-advertise-peer-urls: https://127.0.0.1:12380
                initial-cluster: m1=https://127.0.0.1:12380
                cipher-suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305]
                client-transport-security:
                  cert-file: c.crt
                  key-file: c.key
                  client-cert-auth: true
                  trusted-ca-file: ca.crt
                  auto-tls: false
                  crl-file: crl.pem
                peer-transport-security:
                  cert-file: p.crt
                  key-file: p.key
                  client-cert-auth: true
                  trusted-ca-file: pca.crt
                  auto-tls:
                  allowed-cn: member
                """);
        MemberSettings fromFile = settings("--config-file", file.toString());
        List<String> suites = List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305");
        assertEquals(new TlsSettings(Path.of("c.crt"), Path.of("c.key"), Path.of("ca.crt"), true, false,
                Path.of("crl.pem"), suites, null), fromFile.clientTls());
        assertEquals(new TlsSettings(Path.of("p.crt"), Path.of("p.key"), Path.of("pca.crt"), true, false, null,
                suites, "member"), fromFile.peerTls());

        Path flat = dir.resolve("flat.yaml");
        Files.writeString(flat, "listen-client-urls: https://127.0.0.1:2379\ncert-file: c.crt\nkey-file: c.key\n");
        assertEquals(TlsSettings.serverOnly(Path.of("c.crt"), Path.of("c.key")),
                settings("--config-file", flat.toString()).clientTls(), "the flags' own names work as keys too");

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "client-transport-security:\n  allowed-cn: x\n");
        refused("client-transport-security has no key 'allowed-cn'", "--config-file", bad.toString());
    }

    /** etcd's host-name checks of certificates are implemented (they used to be refused as unsupported). */
    @Test
    void allowedHostNamesReachTheirSettings() {
        String[] peer = {"--name", "m1", "--listen-peer-urls", "https://127.0.0.1:12380",
                "--initial-advertise-peer-urls", "https://127.0.0.1:12380", "--initial-cluster", TLS_CLUSTER,
                "--peer-cert-file", "p.crt", "--peer-key-file", "p.key", "--peer-trusted-ca-file", "pca.crt"};
        assertEquals("localhost", settings(concat(peer, "--peer-cert-allowed-hostname", "localhost")).peerTls()
                .allowedHostname());
        assertEquals(null, settings(concat(peer, "--peer-cert-allowed-hostname", "")).peerTls().allowedHostname(),
                "empty, etcd's default, checks nothing");
        assertEquals("client.example", settings("--listen-client-urls", "https://127.0.0.1:2379",
                "--cert-file", "c.crt", "--key-file", "c.key", "--trusted-ca-file", "ca.crt",
                "--client-cert-allowed-hostname", "client.example").clientTls().allowedHostname());
        refused("AllowedCN and AllowedHostname are mutually exclusive (cn=\"a\", hostname=\"b\")",
                concat(peer, "--peer-cert-allowed-cn", "a", "--peer-cert-allowed-hostname", "b"));
    }

    @Test
    void inconsistentTlsFlagsAreRefusedWithOneLine(@TempDir Path dir) {
        refused("--cert-file/--key-file/--trusted-ca-file/--client-cert-auth/--auto-tls/--client-crl-file"
                + "/--client-cert-allowed-hostname are for TLS: give https:// --listen-client-urls", "--cert-file",
                "c.crt", "--key-file", "c.key");
        refused("--cert-file and --key-file go together", "--listen-client-urls", "https://127.0.0.1:2379",
                "--cert-file", "c.crt");
        refused("--client-cert-auth needs --trusted-ca-file", "--listen-client-urls", "https://127.0.0.1:2379",
                "--cert-file", "c.crt", "--key-file", "c.key", "--client-cert-auth");
        refused("https:// peer URLs need --peer-cert-file and --peer-key-file (or --peer-auto-tls)",
                "--listen-peer-urls", "https://127.0.0.1:12380", "--initial-advertise-peer-urls",
                "https://127.0.0.1:12380");
        refused("--listen-peer-urls, --initial-advertise-peer-urls and --initial-cluster must all be http:// or all"
                + " https://", "--listen-peer-urls", "https://127.0.0.1:12380", "--peer-auto-tls");
        refused("the --peer-* TLS flags need https:// peer URLs", "--peer-auto-tls");
        refused("--listen-metrics-urls: the ops port serves plain http:// only",
                "--listen-metrics-urls", "https://127.0.0.1:2381");
    }

    @Test
    void unusableFilesAreRefusedAtStartNamingTheFile(@TempDir Path dir) throws Exception {
        TestCa ca = new TestCa(dir.resolve("pki"), "ca");
        TestCa.Issued m1 = ca.issue("m1");
        TestCa.Issued other = ca.issue("other");
        Path notPem = Files.writeString(dir.resolve("not.pem"), "hello\n");
        String[] base = {"--name", "m1", "--data-dir", dir.resolve("m1").toString(),
                "--listen-client-urls", "http://127.0.0.1:" + FreePorts.next(),
                "--listen-peer-urls", "https://127.0.0.1:12380", "--initial-advertise-peer-urls",
                "https://127.0.0.1:12380", "--initial-cluster", TLS_CLUSTER};
        refused("no unencrypted PEM private key in it", concat(base, "--peer-cert-file", m1.cert().toString(),
                "--peer-key-file", notPem.toString()));
        refused("the private key in " + other.key() + " does not belong to the certificate in " + m1.cert(),
                concat(base, "--peer-cert-file", m1.cert().toString(), "--peer-key-file", other.key().toString()));
        refused("cannot read " + dir.resolve("missing.crt"), concat(base, "--peer-cert-file",
                dir.resolve("missing.crt").toString(), "--peer-key-file", m1.key().toString()));
        refused("--cipher-suites: unknown or unsupported cipher suite 'TLS_BOGUS'", concat(base, "--peer-cert-file",
                m1.cert().toString(), "--peer-key-file", m1.key().toString(), "--cipher-suites", "TLS_BOGUS"));
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static MemberSettings settings(String... args) {
        KeelCommand cmd = new KeelCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.settings();
    }

    /** Runs the launcher in this JVM; asserts exit code 2 and that stderr's first line holds {@code message}. */
    private static void refused(String message, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> KeelMain.execute(args,
                new PrintWriter(out, true), new PrintWriter(err, true)));
        String firstLine = err.toString().lines().findFirst().orElse("");
        assertEquals(ExitCodes.USAGE, code, () -> "exit code for " + List.of(args) + "; stderr: " + err);
        assertTrue(firstLine.startsWith("keel: ") && firstLine.contains(message),
                () -> "expected '" + message + "' in the first line of stderr: " + err);
        assertFalse(err.toString().contains("\tat "), () -> "a refusal prints no stack trace: " + err);
    }
}
