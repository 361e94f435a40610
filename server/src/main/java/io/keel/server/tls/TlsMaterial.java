package io.keel.server.tls;

import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.nio.file.Path;
import java.util.List;

/**
 * The key and trust managers one port's {@link TlsSettings} come to, shared by the client port (gRPC's Netty) and
 * the peer port (the transport's Netty): plain JDK interfaces, so either Netty and either TLS engine (JDK or
 * OpenSSL) uses the same reloading files and the same checks.
 *
 * @param trustManager null when no trusted CA file is given: a server then asks for no certificate and a dialling
 *                     member uses the JDK's default CAs, or trusts anything with auto TLS
 */
record TlsMaterial(X509ExtendedKeyManager keyManager, X509ExtendedTrustManager trustManager,
                   boolean requireCertificate, boolean autoTls, List<String> cipherSuites) {

    /**
     * @param what       "client port" or "peer port", for log lines
     * @param autoTlsDir where an auto-TLS certificate is kept
     * @param hosts      names and addresses an auto-TLS certificate is made for
     */
    static TlsMaterial of(String what, TlsSettings s, Path autoTlsDir, List<String> hosts) {
        Path cert = s.certFile();
        Path key = s.keyFile();
        boolean auto = cert == null;
        if (auto) {
            if (autoTlsDir == null) throw new IllegalArgumentException("auto TLS needs a directory for its certificate");
            Path[] made = SelfSignedCertificate.ensure(autoTlsDir, hosts);
            cert = made[0];
            key = made[1];
        }
        X509ExtendedKeyManager km = new ReloadingKeyManager(what, cert, key);
        X509ExtendedTrustManager tm = s.trustedCaFile() == null ? null
                : new ReloadingTrustManager(what, s.trustedCaFile(), s.crlFile(), s.allowedCn(), s.allowedHostname());
        if (tm == null && (s.crlFile() != null || s.allowedCn() != null || s.allowedHostname() != null)) {
            throw new IllegalArgumentException(what + ": a revocation list, an allowed common name or an allowed host"
                    + " name needs a trusted CA file to check certificates against");
        }
        return new TlsMaterial(km, tm, s.requiresCertificate(), auto, s.cipherSuites());
    }
}
