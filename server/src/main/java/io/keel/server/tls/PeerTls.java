package io.keel.server.tls;

import io.keel.transport.TlsContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;

/**
 * TLS on the peer port (etcd's --peer-cert-file, --peer-key-file, --peer-trusted-ca-file, --peer-client-cert-auth,
 * --peer-auto-tls, --peer-crl-file, --peer-cert-allowed-cn) for the transport, on the JDK's TLS engine (the
 * transport's Netty has no OpenSSL; peers keep a few long connections, so handshakes are rare).
 *
 * <p>Both directions use the same files and checks: a member presents its certificate when it accepts and when it
 * dials; what it receives must be signed by the trusted CA, not revoked and, with an allowed CN, carry it. A dialled
 * member's certificate must also name the address dialled (as etcd's Go client checks it), except with auto TLS,
 * whose self-signed certificates nobody can check (etcd skips the check too). The transport logs refusals.
 */
public final class PeerTls implements TlsContexts {
    private final TlsMaterial material;

    private PeerTls(TlsMaterial material) {
        this.material = material;
    }

    /**
     * @param autoTlsDir where {@code --peer-auto-tls} keeps its certificate (etcd: data-dir/fixtures/peer)
     * @param hosts      what an auto-TLS certificate is made for
     */
    public static PeerTls of(TlsSettings settings, Path autoTlsDir, List<String> hosts) {
        PeerTls tls = new PeerTls(TlsMaterial.of("peer port", settings, autoTlsDir, hosts));
        try { // refuse bad settings (an unknown cipher suite) at start, not at the first connection
            tls.serverContext();
            tls.clientContext();
        } catch (SSLException e) {
            throw new IllegalArgumentException("peer port TLS: " + e.getMessage(), e);
        }
        return tls;
    }

    @Override
    public SslContext serverContext() throws SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(material.keyManager());
        if (material.trustManager() != null) b.trustManager(material.trustManager());
        b.clientAuth(material.requireCertificate() ? ClientAuth.REQUIRE : ClientAuth.NONE);
        return ciphers(b).build();
    }

    @Override
    public SslContext clientContext() throws SSLException {
        SslContextBuilder b = SslContextBuilder.forClient().keyManager(material.keyManager());
        if (material.trustManager() != null) {
            b.trustManager(material.trustManager()).endpointIdentificationAlgorithm("HTTPS");
        } else if (material.autoTls()) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else {
            b.endpointIdentificationAlgorithm("HTTPS"); // the JDK's default CAs
        }
        return ciphers(b).build();
    }

    private SslContextBuilder ciphers(SslContextBuilder b) {
        if (material.cipherSuites().isEmpty()) return b;
        try {
            return b.ciphers(CipherSuites.javaNames(material.cipherSuites(), new HashSet<>(Arrays.asList(
                    SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites())), "--cipher-suites"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
