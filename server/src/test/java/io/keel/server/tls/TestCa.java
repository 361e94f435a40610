package io.keel.server.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A certificate authority made at test time, writing PEM files as an operator's openssl would: its own certificate,
 * certificates for members and clients (EC keys, PKCS#8), and revocation lists.
 */
public final class TestCa {
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime() & 0xffffffffL);

    /** Files of one issued certificate. */
    public record Issued(Path cert, Path key, BigInteger serial) {
    }

    private final String name;
    private final Path dir;
    private final KeyPair keys;
    private final X509Certificate cert;
    public final Path certFile;
    private final List<BigInteger> revoked = new ArrayList<>();

    public TestCa(Path dir, String name) throws Exception {
        this.name = name;
        this.dir = Files.createDirectories(dir);
        this.keys = keyPair();
        X500Name subject = new X500Name("CN=" + name);
        X509v3CertificateBuilder b = builder(subject, subject, keys, BigInteger.valueOf(SERIAL.incrementAndGet()));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        this.cert = sign(b, keys);
        this.certFile = dir.resolve(name + "-ca.crt");
        Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
    }

    /** A certificate for {@code cn}, for 127.0.0.1 and localhost, usable as TLS server and client (as etcd's are). */
    public Issued issue(String cn) throws Exception {
        return issue(cn, cn);
    }

    /** As {@link #issue(String)}, written as {@code file}.crt and {@code file}.key. */
    public Issued issue(String cn, String file) throws Exception {
        KeyPair k = keyPair();
        BigInteger serial = BigInteger.valueOf(SERIAL.incrementAndGet());
        X509v3CertificateBuilder b = builder(new X500Name("CN=" + name), new X500Name("CN=" + cn), k, serial);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        X509Certificate c = sign(b, keys);
        Path certPath = dir.resolve(file + ".crt");
        Path keyPath = dir.resolve(file + ".key");
        // Written beside and moved into place, as an operator replacing a certificate should.
        Path tmpCert = dir.resolve(file + ".crt.tmp");
        Path tmpKey = dir.resolve(file + ".key.tmp");
        Files.writeString(tmpCert, pem("CERTIFICATE", c.getEncoded()), StandardCharsets.US_ASCII);
        Files.writeString(tmpKey, pem("PRIVATE KEY", k.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
        Files.move(tmpKey, keyPath, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmpCert, certPath, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return new Issued(certPath, keyPath, serial);
    }

    /** Adds {@code serial} to this CA's revocation list and writes the list to {@code file} (PEM). */
    public Path revoke(BigInteger serial, Path file) throws Exception {
        revoked.add(serial);
        return writeCrl(file);
    }

    /** This CA's revocation list as it stands (possibly empty). */
    public Path writeCrl(Path file) throws Exception {
        Date now = new Date();
        X509v2CRLBuilder b = new X509v2CRLBuilder(new X500Name("CN=" + name), now);
        b.setNextUpdate(Date.from(Instant.now().plus(Duration.ofDays(7))));
        for (BigInteger s : revoked) b.addCRLEntry(s, now, CRLReason.keyCompromise);
        byte[] der = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())).getEncoded();
        Files.writeString(file, pem("X509 CRL", der), StandardCharsets.US_ASCII);
        return file;
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys,
                                                    BigInteger serial) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, serial, Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(2))), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        return g.generateKeyPair();
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

}
