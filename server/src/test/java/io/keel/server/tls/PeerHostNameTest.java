package io.keel.server.tls;

import io.keel.server.Keel;
import io.keel.server.Poll;
import io.keel.server.cli.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * etcd's --peer-cert-allowed-hostname: a member accepts only peer certificates valid for that host name (their
 * subject alternative names, as Go's VerifyHostname decides), both from members that connect and from members it
 * dials; a refused peer cannot take part, and the members that accept each other go on.
 */
class PeerHostNameTest {
    @Test
    void aMemberAllowingAnotherHostNameRefusesItsPeersAndTheOthersGoOn(@TempDir Path dir) throws Exception {
        TestCa ca = new TestCa(dir.resolve("pki"), "ca");
        TestCa.Issued cert = ca.issue("example.com"); // names localhost and 127.0.0.1, as etcd's test certificate
        TlsSettings localhost = TlsSettings.mutual(cert.cert(), cert.key(), ca.certFile).withAllowedHostname("localhost");
        TlsSettings other = localhost.withAllowedHostname("example2.com");
        Map<Long, InetSocketAddress> cluster = Map.of(1L, FreePorts.loopback(), 2L, FreePorts.loopback(),
                3L, FreePorts.loopback());
        try (Keel m1 = member(1, dir, cluster, localhost); Keel m2 = member(2, dir, cluster, localhost);
             Keel m3 = member(3, dir, cluster, other)) {
            Poll.until("members 1 and 2 elect a leader", Duration.ofSeconds(60), () -> m1.isLeader() || m2.isLeader());
            Keel leader = m1.isLeader() ? m1 : m2;
            leader.put("k", "v");
            assertEquals(Optional.of("v"), leader.get("k", true));

            // The peer ports as a member dialling with that certificate finds them.
            assertDoesNotThrow(() -> handshake(ca, cert, cluster.get(1L)), "member 1 accepts it");
            // Refused at the handshake: the member's alert, or the connection it closed while the client still wrote.
            assertThrows(java.io.IOException.class, () -> handshake(ca, cert, cluster.get(3L)),
                    "member 3 allows only example2.com");
            assertFalse(m3.isLeader());
        }
    }

    @Test
    void theHostNameIsCheckedAsGoChecksIt(@TempDir Path dir) throws Exception {
        TestCa ca = new TestCa(dir, "ca");
        X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(ca.issue("example.com").cert()));
        assertTrue(HostNames.matches(c, "localhost"));
        assertTrue(HostNames.matches(c, "LOCALHOST."), "case and a trailing dot do not matter");
        assertTrue(HostNames.matches(c, "127.0.0.1"));
        assertFalse(HostNames.matches(c, "example.com"), "the common name is not a host name (Go 1.15+)");
        assertFalse(HostNames.matches(c, "127.0.0.2"));
        assertFalse(HostNames.matches(c, "example2.com"));

        ReloadingTrustManager tm = new ReloadingTrustManager("peer port", ca.certFile, null, null, "example2.com");
        CertificateException e = assertThrows(CertificateException.class,
                () -> tm.checkClientTrusted(new X509Certificate[] {c}, "ECDHE_ECDSA"));
        assertTrue(e.getMessage().startsWith("client certificate authentication failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("'example2.com'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TlsSettings.mutual(ca.certFile,
                ca.certFile, ca.certFile).withAllowedCn("a").withAllowedHostname("b"), "etcd refuses both at once");
    }

    private static Keel member(long id, Path dir, Map<Long, InetSocketAddress> cluster, TlsSettings tls) {
        return Keel.builder().id(id).dataDir(dir.resolve("m" + id)).listen(cluster.get(id)).initialCluster(cluster)
                .peerTls(tls).start();
    }

    /** A TLS handshake with a member's peer port, presenting {@code cert}. */
    private static void handshake(TestCa ca, TestCa.Issued cert, InetSocketAddress peer) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(ca.certFile)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(TestKeyStores.of(cert), new char[0]);
        SSLContext ssl = SSLContext.getInstance("TLSv1.2"); // the client finishes only after the server's checks
        ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket(peer.getAddress(), peer.getPort())) {
            s.setSoTimeout(10_000);
            s.startHandshake();
        }
    }
}
