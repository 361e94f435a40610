package io.keel.server.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the PEM files operators hand to etcd (what {@code openssl} writes): certificates, private keys in PKCS#8,
 * PKCS#1 or SEC1 form (unencrypted, as etcd takes them), and revocation lists. A file that holds none of what is
 * asked for is refused with its name.
 */
final class PemFiles {
    private PemFiles() {
    }

    static List<X509Certificate> certificates(Path file, byte[] pem) {
        List<X509Certificate> certs = new ArrayList<>();
        for (Object o : objects(file, pem)) {
            if (o instanceof X509CertificateHolder h) {
                try {
                    certs.add(new JcaX509CertificateConverter().getCertificate(h));
                } catch (GeneralSecurityException e) {
                    throw new IllegalArgumentException(file + ": unreadable certificate: " + e.getMessage(), e);
                }
            }
        }
        if (certs.isEmpty()) throw new IllegalArgumentException(file + ": no PEM certificate in it");
        return certs;
    }

    static PrivateKey privateKey(Path file, byte[] pem) {
        for (Object o : objects(file, pem)) {
            try {
                if (o instanceof PEMKeyPair pair) return new JcaPEMKeyConverter().getKeyPair(pair).getPrivate();
                if (o instanceof PrivateKeyInfo info) return new JcaPEMKeyConverter().getPrivateKey(info);
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ": unreadable private key: " + e.getMessage(), e);
            }
        }
        throw new IllegalArgumentException(file + ": no unencrypted PEM private key in it");
    }

    static List<X509CRL> crls(Path file, byte[] pem) {
        List<X509CRL> crls = new ArrayList<>();
        if (pem.length > 0 && pem[0] == 0x30) {
            // DER, as etcd also takes (its own test fixtures' revoke.crl is DER): one CRL, a DER SEQUENCE.
            try {
                var der = java.security.cert.CertificateFactory.getInstance("X.509")
                        .generateCRL(new java.io.ByteArrayInputStream(pem));
                return List.of((X509CRL) der);
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException(file + ": unreadable DER revocation list: " + e.getMessage(), e);
            }
        }
        for (Object o : objects(file, pem)) {
            if (o instanceof X509CRLHolder h) {
                try {
                    crls.add(new JcaX509CRLConverter().getCRL(h));
                } catch (GeneralSecurityException e) {
                    throw new IllegalArgumentException(file + ": unreadable revocation list: " + e.getMessage(), e);
                }
            }
        }
        if (crls.isEmpty()) {
            throw new IllegalArgumentException(file + ": no revocation list (X509 CRL, PEM or DER) in it");
        }
        return crls;
    }

    private static List<Object> objects(Path file, byte[] pem) {
        List<Object> all = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) all.add(o);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + ": not a PEM file: " + e.getMessage(), e);
        }
        return all;
    }
}
