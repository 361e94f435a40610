package io.keel.transport;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Mutual TLS between members, from PEM files: this member's certificate chain and PKCS#8 private key, and the
 * cluster CA. Both directions require a certificate signed by that CA, so a process without one never reaches the
 * handshake.
 *
 * @param verifyPeerHostname also check that the certificate of the member dialled names the address dialled
 *                           (subject alternative names); off when members are addressed in ways their
 *                           certificates do not list
 */
public record TlsConfig(Path certificateChain, Path privateKey, Path clusterCa, boolean verifyPeerHostname)
        implements TlsContexts {
    public TlsConfig {
        Objects.requireNonNull(certificateChain, "certificateChain");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(clusterCa, "clusterCa");
    }

    @Override
    public SslContext serverContext() throws SSLException {
        return SslContextBuilder.forServer(certificateChain.toFile(), privateKey.toFile())
                .trustManager(clusterCa.toFile())
                .clientAuth(ClientAuth.REQUIRE)
                .protocols("TLSv1.3")
                .build();
    }

    @Override
    public SslContext clientContext() throws SSLException {
        return SslContextBuilder.forClient()
                .keyManager(certificateChain.toFile(), privateKey.toFile())
                .trustManager(clusterCa.toFile())
                .endpointIdentificationAlgorithm(verifyPeerHostname ? "HTTPS" : null)
                .protocols("TLSv1.3")
                .build();
    }
}
