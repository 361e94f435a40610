package io.keel.server.tls;

import java.nio.file.Path;
import java.util.List;

/**
 * TLS for one port (the client port or the peer port), as etcd's flags set it: {@code --cert-file},
 * {@code --key-file}, {@code --trusted-ca-file}, {@code --client-cert-auth}, {@code --auto-tls},
 * {@code --client-crl-file}, {@code --cipher-suites} and, for peers, {@code --peer-cert-allowed-cn}. Every file is
 * PEM and is read again for each new connection, so certificates replaced on disk take effect without a restart.
 *
 * @param certFile       this member's certificate (chain), or null with {@code autoTls}
 * @param keyFile        its private key (PKCS#8, PKCS#1 or SEC1 PEM), or null with {@code autoTls}
 * @param trustedCaFile  the CA(s) that sign the certificates the other side presents; when set, the other side must
 *                       present one (etcd's rule), and a dialling member checks the dialled one's against it
 * @param clientCertAuth require a certificate from whoever connects (signed by {@code trustedCaFile})
 * @param autoTls        without cert and key files: a self-signed certificate is made in the data directory; a
 *                       dialling member then does not check the dialled one's certificate (etcd's --peer-auto-tls)
 * @param crlFile        certificates whose serial this revocation list names are refused; null: none
 * @param cipherSuites   TLS 1.2 cipher suites by their IANA names (Go's spelling is accepted); empty: the defaults
 * @param allowedCn      only certificates with this common name are accepted; null: any
 * @param allowedHostname only certificates valid for this host name or IP address (as Go checks a server's) are
 *                       accepted; null: any. Not together with {@code allowedCn} (etcd refuses both)
 */
public record TlsSettings(Path certFile, Path keyFile, Path trustedCaFile, boolean clientCertAuth, boolean autoTls,
                          Path crlFile, List<String> cipherSuites, String allowedCn, String allowedHostname) {
    public TlsSettings(Path certFile, Path keyFile, Path trustedCaFile, boolean clientCertAuth, boolean autoTls,
                       Path crlFile, List<String> cipherSuites, String allowedCn) {
        this(certFile, keyFile, trustedCaFile, clientCertAuth, autoTls, crlFile, cipherSuites, allowedCn, null);
    }

    public TlsSettings {
        cipherSuites = cipherSuites == null ? List.of() : List.copyOf(cipherSuites);
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("a certificate file needs its key file, and a key file its"
                    + " certificate file");
        }
        if (certFile == null && !autoTls) {
            throw new IllegalArgumentException("TLS needs a certificate and key file, or auto TLS");
        }
        if (clientCertAuth && trustedCaFile == null) {
            throw new IllegalArgumentException("client certificate authentication needs a trusted CA file");
        }
        if (allowedCn != null && allowedCn.isBlank()) allowedCn = null;
        if (allowedHostname != null && allowedHostname.isBlank()) allowedHostname = null;
        if (allowedCn != null && allowedHostname != null) {
            throw new IllegalArgumentException("AllowedCN and AllowedHostname are mutually exclusive (cn=\"" + allowedCn
                    + "\", hostname=\"" + allowedHostname + "\")");
        }
    }

    /** Whether whoever connects must present a certificate: etcd requires one once a trusted CA is given. */
    public boolean requiresCertificate() {
        return clientCertAuth || trustedCaFile != null;
    }

    /** Mutual TLS with a CA: cert and key files, the CA that signs the other side's, which must present one. */
    public static TlsSettings mutual(Path certFile, Path keyFile, Path trustedCaFile) {
        return new TlsSettings(certFile, keyFile, trustedCaFile, true, false, null, List.of(), null);
    }

    /** Server-only TLS: the other side is not asked for a certificate. */
    public static TlsSettings serverOnly(Path certFile, Path keyFile) {
        return new TlsSettings(certFile, keyFile, null, false, false, null, List.of(), null);
    }

    public TlsSettings withCrlFile(Path crl) {
        return new TlsSettings(certFile, keyFile, trustedCaFile, clientCertAuth, autoTls, crl, cipherSuites, allowedCn,
                allowedHostname);
    }

    public TlsSettings withAllowedCn(String cn) {
        return new TlsSettings(certFile, keyFile, trustedCaFile, clientCertAuth, autoTls, crlFile, cipherSuites, cn,
                allowedHostname);
    }

    public TlsSettings withAllowedHostname(String hostname) {
        return new TlsSettings(certFile, keyFile, trustedCaFile, clientCertAuth, autoTls, crlFile, cipherSuites, allowedCn,
                hostname);
    }

    public TlsSettings withCipherSuites(List<String> suites) {
        return new TlsSettings(certFile, keyFile, trustedCaFile, clientCertAuth, autoTls, crlFile, suites, allowedCn,
                allowedHostname);
    }
}
