package io.keel.server.tls;

import io.keel.server.Keel;
import io.keel.server.Poll;
import io.keel.server.cli.FreePorts;
import io.keel.server.etcd.proto.StatusResponse;
import io.keel.server.grpc.ClientPort;
import io.keel.server.grpc.EtcdGrpcServer;
import io.keel.server.ops.StatusProbe;
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
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The embedded API takes the launcher's TLS settings: {@code Keel.builder().peerTls(...)} and
 * {@code EtcdGrpcServer.start(keel, ClientPort.at(address).withTls(ClientTls.of(...)))}, with etcd's --cipher-suites honoured.
 */
class EmbeddedTlsTest {
    private static final String SUITE = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";

    @Test
    void anEmbeddedMemberServesTlsOnBothPortsWithTheListedCipherSuite(@TempDir Path dir) throws Exception {
        TestCa ca = new TestCa(dir.resolve("pki"), "ca");
        TestCa.Issued member = ca.issue("m1");
        TestCa.Issued client = ca.issue("alice");
        TlsSettings tls = TlsSettings.mutual(member.cert(), member.key(), ca.certFile);
        InetSocketAddress peer = FreePorts.loopback();
        try (Keel keel = Keel.builder().id(1).dataDir(dir.resolve("m1")).listen(peer).initialCluster(Map.of(1L, peer))
                .peerTls(tls).start();
             EtcdGrpcServer grpc = EtcdGrpcServer.start(keel, ClientPort.at(new InetSocketAddress("127.0.0.1", 0))
                     .withTls(ClientTls.of(tls.withCipherSuites(List.of(SUITE)), dir.resolve("auto"),
                             List.of("127.0.0.1"))));
             StatusProbe probe = new StatusProbe(ProbeCredentials.of(ca.certFile, client.cert(), client.key(),
                     false))) {
            Poll.until("the member leads", keel::isLeader);
            StatusResponse status = probe.status("https://127.0.0.1:" + grpc.port(), Duration.ofSeconds(30))
                    .get(60, TimeUnit.SECONDS);
            assertEquals(1, status.getHeader().getMemberId());

            try (SSLSocket s = (SSLSocket) jdkClient(ca, client).getSocketFactory().createSocket("127.0.0.1",
                    grpc.port())) {
                s.setSoTimeout(10_000);
                var params = s.getSSLParameters();
                params.setApplicationProtocols(new String[] {"h2"});
                s.setSSLParameters(params);
                s.startHandshake();
                assertEquals(SUITE, s.getSession().getCipherSuite(), "--cipher-suites is what the port offers");
                assertEquals("TLSv1.2", s.getSession().getProtocol(), "with only TLS 1.2 suites listed");
            }
        }
    }

    /**
     * What authentication by client certificate builds on: a call on the TLS client port carries the handshake's
     * SSL session as gRPC's standard transport attribute, with the client's certificate in it.
     */
    @Test
    void callsCarryTheSslSessionWithTheClientCertificate(@TempDir Path dir) throws Exception {
        TestCa ca = new TestCa(dir.resolve("pki"), "ca");
        TestCa.Issued member = ca.issue("m1");
        TestCa.Issued client = ca.issue("alice");
        ClientTls tls = ClientTls.of(TlsSettings.mutual(member.cert(), member.key(), ca.certFile), dir, List.of());
        java.util.concurrent.CompletableFuture<String> seenCn = new java.util.concurrent.CompletableFuture<>();
        io.grpc.ServerInterceptor capture = new io.grpc.ServerInterceptor() {
            @Override
            public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call,
                    io.grpc.Metadata headers, io.grpc.ServerCallHandler<Q, R> next) {
                javax.net.ssl.SSLSession session = call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_SSL_SESSION);
                try {
                    seenCn.complete(session == null ? "(no session)"
                            : CommonNames.of((java.security.cert.X509Certificate) session.getPeerCertificates()[0]));
                } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                    seenCn.complete("(unverified)");
                }
                return next.startCall(call, headers);
            }
        };
        io.grpc.Server server = tls.serverBuilder(new InetSocketAddress("127.0.0.1", 0))
                .addService(io.grpc.ServerInterceptors.intercept(new io.keel.server.etcd.proto.MaintenanceGrpc
                        .MaintenanceImplBase() {
                    @Override
                    public void status(io.keel.server.etcd.proto.StatusRequest request,
                                       io.grpc.stub.StreamObserver<StatusResponse> answer) {
                        answer.onNext(StatusResponse.getDefaultInstance());
                        answer.onCompleted();
                    }
                }, capture)).build().start();
        try (StatusProbe probe = new StatusProbe(ProbeCredentials.of(ca.certFile, client.cert(), client.key(),
                false))) {
            probe.status("https://127.0.0.1:" + server.getPort(), Duration.ofSeconds(30)).get(60, TimeUnit.SECONDS);
            assertEquals("alice", seenCn.get(10, TimeUnit.SECONDS));
        } finally {
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            tls.close();
        }
    }

    /**
     * A client that resumes an earlier TLS session skips the certificate checks of a full handshake: a certificate
     * revoked since is still caught, and the connection closed right after the handshake.
     */
    @Test
    void aResumedSessionOfARevokedCertificateIsClosed(@TempDir Path dir) throws Exception {
        TestCa ca = new TestCa(dir.resolve("pki"), "ca");
        TestCa.Issued member = ca.issue("m1");
        TestCa.Issued client = ca.issue("alice");
        Path crl = ca.writeCrl(dir.resolve("crl.pem"));
        ClientTls tls = ClientTls.of(TlsSettings.mutual(member.cert(), member.key(), ca.certFile).withCrlFile(crl),
                dir, List.of());
        io.grpc.Server server = tls.serverBuilder(new InetSocketAddress("127.0.0.1", 0))
                .addService(new io.keel.server.etcd.proto.MaintenanceGrpc.MaintenanceImplBase() { }).build().start();
        byte[][] firstSessionId = new byte[1][];
        try {
            SSLContext ssl = jdkClient(ca, client); // one context: its session cache offers the session again
            // TLS 1.2, where the client's handshake completes only after the server checked its certificate: a
            // second handshake that completes after the revocation can only be a resumed one.
            try (SSLSocket first = handshake(ssl, server.getPort(), "TLSv1.2")) {
                assertEquals(client.serial(), ((java.security.cert.X509Certificate) first.getSession()
                        .getLocalCertificates()[0]).getSerialNumber());
                firstSessionId[0] = first.getSession().getId();
            }
            ca.revoke(client.serial(), crl);
            try (SSLSocket second = handshake(ssl, server.getPort(), "TLSv1.2")) {
                assertEquals(java.util.Arrays.toString(firstSessionId[0]),
                        java.util.Arrays.toString(second.getSession().getId()), "the session was resumed");
                // The handshake itself passed (a full one would have been refused): it resumed the session.
                second.setSoTimeout(30_000);
                var in = second.getInputStream();
                boolean closed = false;
                try {
                    byte[] buf = new byte[4096];
                    while (in.read(buf) >= 0) {
                        // the server's HTTP/2 settings may come first
                    }
                    closed = true;
                } catch (java.net.SocketTimeoutException e) {
                    closed = false;
                } catch (java.io.IOException e) {
                    closed = true;
                }
                assertEquals(true, closed, "the member closes a resumed session of a revoked certificate");
            }
        } finally {
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            tls.close();
        }
    }

    private static SSLSocket handshake(SSLContext ssl, int port, String protocol) throws Exception {
        SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port);
        s.setEnabledProtocols(new String[] {protocol});
        s.setSoTimeout(10_000);
        var params = s.getSSLParameters();
        params.setApplicationProtocols(new String[] {"h2"});
        s.setSSLParameters(params);
        s.startHandshake();
        return s;
    }

    private static SSLContext jdkClient(TestCa ca, TestCa.Issued client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(ca.certFile)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(TestKeyStores.of(client), new char[0]);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ssl;
    }
}
