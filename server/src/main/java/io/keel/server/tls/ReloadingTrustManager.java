package io.keel.server.tls;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Checks the other side's certificate at every handshake against the trusted CA file, the revocation list and the
 * allowed common name, each read again when its file changed (as etcd reads them per handshake). A refusal says in
 * one sentence which rule the certificate broke; the TLS layer turns it into a handshake failure.
 */
final class ReloadingTrustManager extends X509ExtendedTrustManager {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadingTrustManager.class);

    private final String what;
    private final Path caFile;
    private final WatchedFiles<X509ExtendedTrustManager> cas;
    private final WatchedFiles<List<X509CRL>> crls;
    private final String allowedCn;
    private final String allowedHostname;
    private volatile String lastRefusedChange;

    ReloadingTrustManager(String what, Path caFile, Path crlFile, String allowedCn) {
        this(what, caFile, crlFile, allowedCn, null);
    }

    ReloadingTrustManager(String what, Path caFile, Path crlFile, String allowedCn, String allowedHostname) {
        this.what = what;
        this.caFile = caFile;
        this.cas = new WatchedFiles<>(List.of(caFile), bytes -> trusting(caFile, bytes[0]));
        this.crls = crlFile == null ? null : new WatchedFiles<>(List.of(crlFile), bytes -> PemFiles.crls(crlFile,
                bytes[0]));
        this.allowedCn = allowedCn;
        this.allowedHostname = allowedHostname;
        cas.load();
        if (crls != null) crls.load();
    }

    private static X509ExtendedTrustManager trusting(Path caFile, byte[] pem) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (X509Certificate ca : PemFiles.certificates(caFile, pem)) store.setCertificateEntry("ca-" + i++, ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) return x;
            }
            throw new IllegalStateException("the JDK offers no X509 trust manager");
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException(caFile + ": cannot use it as trusted CAs: " + e.getMessage(), e);
        }
    }

    private <T> T refreshed(WatchedFiles<T> files) {
        try {
            T t = files.refresh();
            return t;
        } catch (RuntimeException e) {
            String reason = e.getMessage();
            if (!reason.equals(lastRefusedChange)) {
                lastRefusedChange = reason;
                LOG.warn("{}: keeps the file content it had: the new one is not usable: {}", what, reason);
            }
            return files.current();
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        signedByTrustedCa(chain, () -> refreshed(cas).checkClientTrusted(chain, authType, engine));
        afterPath(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        signedByTrustedCa(chain, () -> refreshed(cas).checkServerTrusted(chain, authType, engine));
        afterPath(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        signedByTrustedCa(chain, () -> refreshed(cas).checkClientTrusted(chain, authType, socket));
        afterPath(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        signedByTrustedCa(chain, () -> refreshed(cas).checkServerTrusted(chain, authType, socket));
        afterPath(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        signedByTrustedCa(chain, () -> refreshed(cas).checkClientTrusted(chain, authType));
        afterPath(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        signedByTrustedCa(chain, () -> refreshed(cas).checkServerTrusted(chain, authType));
        afterPath(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return refreshed(cas).getAcceptedIssuers();
    }

    private interface Check {
        void run() throws CertificateException;
    }

    private void signedByTrustedCa(X509Certificate[] chain, Check check) throws CertificateException {
        try {
            check.run();
        } catch (CertificateException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            // The JDK says "PKIX path building failed: ... unable to find valid certification path": say who.
            if (reason.contains("PKIX path") || reason.contains("certification path")) {
                throw new CertificateException("certificate " + subject(chain) + " is not signed by a CA in " + caFile,
                        e);
            }
            throw new CertificateException("certificate " + subject(chain) + " refused: " + reason, e);
        }
    }

    /**
     * The checks that can change after a session was made (revocation, the allowed CN), for a connection that
     * resumed an earlier TLS session: resumption skips the certificate checks, so a certificate revoked since
     * would otherwise keep its access for the session's lifetime.
     */
    void recheck(X509Certificate[] chain) throws CertificateException {
        afterPath(chain);
    }

    /** Revocation and the allowed common name, on a chain the CA vouched for. */
    private void afterPath(X509Certificate[] chain) throws CertificateException {
        if (crls != null) {
            List<X509CRL> lists = refreshed(crls);
            for (X509Certificate c : chain) {
                for (X509CRL crl : lists) {
                    if (crl.getIssuerX500Principal().equals(c.getIssuerX500Principal()) && crl.isRevoked(c)) {
                        throw new CertificateException("certificate " + c.getSubjectX500Principal().getName()
                                + " (serial " + hex(c.getSerialNumber()) + ") is revoked by "
                                + crls.files().get(0));
                    }
                }
            }
        }
        // etcd's words for both checks' refusals ("client certificate authentication failed"), then which rule.
        if (allowedCn != null) {
            String cn = CommonNames.of(chain[0]);
            if (!allowedCn.equals(cn)) {
                throw authFailed("certificate common name '" + cn + "' is not the allowed one ('" + allowedCn + "')");
            }
        }
        if (allowedHostname != null && !HostNames.matches(chain[0], allowedHostname)) {
            throw authFailed("certificate " + subject(chain) + " is not valid for the allowed host name '"
                    + allowedHostname + "' (it names " + HostNames.names(chain[0]) + ")");
        }
    }

    /** etcd's text for a certificate refused by the allowed CN or host name (pkg/transport/listener.go). */
    static final String AUTH_FAILED = "client certificate authentication failed";

    /** A refusal by the allowed CN or host name, in etcd's words, then the rule. */
    private static CertificateException authFailed(String why) {
        return new CertificateException(AUTH_FAILED + ": " + why);
    }

    private static String hex(BigInteger serial) {
        return serial.toString(16);
    }

    private static String subject(X509Certificate[] chain) {
        return chain == null || chain.length == 0 ? "(none)" : "'" + chain[0].getSubjectX500Principal().getName()
                + "'";
    }
}
