package io.keel.server.tls;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.StatusRuntimeException;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.etcd.proto.StatusRequest;
import io.keel.server.etcd.proto.StatusResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a member reaches another member's client URL: http or https only; over https it presents its own client-port
 * certificate and trusts only the cluster's CA; with auto TLS it reaches a self-signed member.
 */
class MemberClientChannelsTest {
    @Test
    void onlyHttpAndHttpsClientUrlsAreTaken() {
        MemberClientChannels plain = MemberClientChannels.of(null);
        for (String bad : List.of("unix://keel.sock", "127.0.0.1:2379", "ftp://127.0.0.1:21", "http://127.0.0.1")) {
            assertFalse(MemberClientChannels.isClientUrl(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> plain.builder(bad), bad);
        }
        assertTrue(MemberClientChannels.isClientUrl("https://localhost:2379"));
        plain.builder("http://127.0.0.1:2379").build().shutdownNow();
    }

    @Test
    void aMemberPresentsItsCertificateAndTrustsOnlyTheClustersCa(@TempDir Path dir) throws Exception {
        TestCa ca = new TestCa(dir.resolve("pki"), "cluster");
        TestCa.Issued m1 = ca.issue("m1");
        TestCa.Issued m2 = ca.issue("m2");
        CompletableFuture<String> seenCn = new CompletableFuture<>();
        ClientTls tls = ClientTls.of(TlsSettings.mutual(m1.cert(), m1.key(), ca.certFile), dir, List.of());
        Server server = serveStatus(tls, seenCn);
        try {
            String url = "https://127.0.0.1:" + server.getPort();
            assertEquals(StatusResponse.getDefaultInstance(),
                    status(MemberClientChannels.of(TlsSettings.mutual(m2.cert(), m2.key(), ca.certFile)), url));
            assertEquals("m2", seenCn.get(10, TimeUnit.SECONDS), "m2 presented its client-port certificate");

            TestCa other = new TestCa(dir.resolve("other"), "other");
            TestCa.Issued stranger = other.issue("m2");
            assertThrows(StatusRuntimeException.class, () -> status(MemberClientChannels.of(
                    TlsSettings.mutual(stranger.cert(), stranger.key(), other.certFile)), url),
                    "a member of another CA neither trusts this one nor is trusted");
        } finally {
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            tls.close();
        }
    }

    @Test
    void withAutoTlsAMemberReachesAnotherSelfSignedMember(@TempDir Path dir) throws Exception {
        TlsSettings auto = new TlsSettings(null, null, null, false, true, null, List.of(), null);
        ClientTls tls = ClientTls.of(auto, dir.resolve("fixtures"), List.of("127.0.0.1"));
        Server server = serveStatus(tls, new CompletableFuture<>());
        try {
            assertEquals(StatusResponse.getDefaultInstance(),
                    status(MemberClientChannels.of(auto), "https://127.0.0.1:" + server.getPort()));
        } finally {
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            tls.close();
        }
    }

    private static StatusResponse status(MemberClientChannels channels, String url) {
        ManagedChannel channel = channels.builder(url).build();
        try {
            return MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .status(StatusRequest.getDefaultInstance());
        } finally {
            channel.shutdownNow();
        }
    }

    /** A TLS gRPC server answering Maintenance.Status, noting the CN of the client certificate it sees. */
    private static Server serveStatus(ClientTls tls, CompletableFuture<String> seenCn) throws Exception {
        io.grpc.ServerInterceptor capture = new io.grpc.ServerInterceptor() {
            @Override
            public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call,
                    io.grpc.Metadata headers, io.grpc.ServerCallHandler<Q, R> next) {
                javax.net.ssl.SSLSession session = call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_SSL_SESSION);
                try {
                    seenCn.complete(session == null ? "(no session)"
                            : CommonNames.of((java.security.cert.X509Certificate) session.getPeerCertificates()[0]));
                } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                    seenCn.complete("(no certificate)");
                }
                return next.startCall(call, headers);
            }
        };
        return tls.serverBuilder(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(new MaintenanceGrpc.MaintenanceImplBase() {
                    @Override
                    public void status(StatusRequest request, io.grpc.stub.StreamObserver<StatusResponse> answer) {
                        answer.onNext(StatusResponse.getDefaultInstance());
                        answer.onCompleted();
                    }
                }, capture)).build().start();
    }
}
