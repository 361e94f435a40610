package io.keel.server.tls;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.keel.server.Keel;
import io.keel.server.Poll;
import io.keel.server.cli.FreePorts;
import io.keel.server.etcd.proto.AuthEnableRequest;
import io.keel.server.etcd.proto.AuthGrpc;
import io.keel.server.etcd.proto.AuthRoleAddRequest;
import io.keel.server.etcd.proto.AuthUserAddRequest;
import io.keel.server.etcd.proto.AuthUserGrantRoleRequest;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.auth.UserAddOptions;
import io.keel.server.grpc.ClientPort;
import io.keel.server.grpc.EtcdGrpcServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * etcd's HTTP/JSON gateway on a TLS client port, beside gRPC on the same port, with the port's certificate checks
 * (client certificates required here) and {@code --client-cert-auth}'s user named by the certificate's CN.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsGatewayTest {
    @TempDir
    static Path dir;
    private static TestCa ca;
    private static TestCa.Issued alice;
    private static Keel keel;
    private static EtcdGrpcServer grpc;

    @BeforeAll
    static void start() throws Exception {
        ca = new TestCa(dir.resolve("pki"), "ca");
        TestCa.Issued member = ca.issue("m1");
        alice = ca.issue("alice");
        InetSocketAddress peer = FreePorts.loopback();
        keel = Keel.builder().id(1).dataDir(dir.resolve("m1")).listen(peer).initialCluster(Map.of(1L, peer)).start();
        ClientTls tls = ClientTls.of(TlsSettings.mutual(member.cert(), member.key(), ca.certFile), dir.resolve("auto"),
                List.of("127.0.0.1"));
        grpc = EtcdGrpcServer.start(keel, ClientPort.at(new InetSocketAddress("127.0.0.1", 0)).withTls(tls)
                .withAuth(new EtcdGrpcServer.AuthSettings(io.keel.server.auth.TokenSettings.DEFAULTS, true)));
        Poll.until("the member leads", keel::isLeader);
    }

    @AfterAll
    static void stop() {
        if (grpc != null) grpc.close();
        if (keel != null) keel.close();
    }

    @Test
    @Order(1)
    void jsonOverHttpsIsSeenByGrpcOnTheSamePort() throws Exception {
        // java.net.http offers h2 and http/1.1 in ALPN, as curl does: the port picks http/1.1 for the gateway.
        HttpResponse<String> put = post(https(alice), "/v3/kv/put", "{\"key\":\"dGxz\",\"value\":\"b24=\"}");
        assertEquals(200, put.statusCode(), put::body);
        assertEquals(HttpClient.Version.HTTP_1_1, put.version());
        assertTrue(put.body().contains("\"revision\":\""), put.body());
        HttpResponse<String> range = post(https(alice), "/v3/kv/range", "{\"key\":\"dGxz\"}");
        assertTrue(range.body().contains("\"value\":\"b24=\""), range.body()); // tls = on

        ManagedChannel channel = MemberClientChannels.withCredentials(ProbeCredentials.of(ca.certFile, alice.cert(),
                alice.key(), false)).builder(url()).build();
        try {
            var kvs = KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("tls")).build()).getKvsList();
            assertEquals("on", kvs.get(0).getValue().toStringUtf8());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    @Order(2)
    void aClientWithoutAlpnIsServedByItsFirstBytes() throws Exception {
        try (SSLSocket s = (SSLSocket) ssl(alice).getSocketFactory().createSocket("127.0.0.1", grpc.port())) {
            s.setSoTimeout(30_000);
            String body = "{\"key\":\"dGxz\"}";
            OutputStream out = s.getOutputStream();
            out.write(("POST /v3/kv/range HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("", s.getApplicationProtocol(), "no protocol was negotiated");
            assertTrue(answer.startsWith("HTTP/1.1 200 OK"), answer);
            assertTrue(answer.contains("\"value\":\"b24=\""), answer);
        }
    }

    @Test
    @Order(3)
    void aClientWithoutACertificateIsRefusedAtTheHandshake() throws Exception {
        assertThrows(IOException.class, () -> post(https(null), "/v3/kv/range", "{\"key\":\"dGxz\"}"));
        TestCa other = new TestCa(dir.resolve("other"), "other");
        assertThrows(IOException.class, () -> post(https(other.issue("mallory")), "/v3/kv/range", "{}"));
    }

    /** Last: it turns authentication on. */
    @Test
    @Order(4)
    void withClientCertAuthTheCertificatesCommonNameIsTheGatewayUser() throws Exception {
        ManagedChannel channel = MemberClientChannels.withCredentials(ProbeCredentials.of(ca.certFile, alice.cert(),
                alice.key(), false)).builder(url()).build();
        try {
            var auth = AuthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            auth.roleAdd(AuthRoleAddRequest.newBuilder().setName("root").build());
            auth.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("secret").build());
            auth.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
            auth.userAdd(AuthUserAddRequest.newBuilder().setName("alice")
                    .setOptions(UserAddOptions.newBuilder().setNoPassword(true)).build());
            auth.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("alice").setRole("root").build());
            auth.authEnable(AuthEnableRequest.getDefaultInstance());
        } finally {
            channel.shutdownNow();
        }
        HttpResponse<String> asAlice = post(https(alice), "/v3/kv/put", "{\"key\":\"Y24=\",\"value\":\"YQ==\"}");
        assertEquals(200, asAlice.statusCode(), asAlice::body);
        HttpResponse<String> asBob = post(https(ca.issue("bob")), "/v3/kv/put",
                "{\"key\":\"Y24=\",\"value\":\"Yg==\"}");
        assertNotEquals(200, asBob.statusCode(), asBob::body);
        assertTrue(asBob.body().contains("\"error\""), asBob.body());
    }

    private static String url() {
        return "https://127.0.0.1:" + grpc.port();
    }

    private static HttpResponse<String> post(HttpClient http, String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An HTTPS client trusting the CA and presenting {@code cert} (none: null). */
    private static HttpClient https(TestCa.Issued cert) throws Exception {
        return HttpClient.newBuilder().sslContext(ssl(cert)).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static SSLContext ssl(TestCa.Issued cert) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(ca.certFile)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (cert != null) {
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(TestKeyStores.of(cert), new char[0]);
        }
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ssl;
    }
}
