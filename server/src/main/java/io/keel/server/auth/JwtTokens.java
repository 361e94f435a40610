package io.keel.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.util.Base64;
import java.util.Date;

/**
 * etcd's {@code jwt} tokens (Nimbus JOSE+JWT signs and verifies them): claims {@code username}, {@code revision}
 * (the auth revision when issued) and {@code exp}, signed with the configured method. Nothing is kept: any member
 * with the public key accepts a token until it expires; one issued before the auth state changed is refused with
 * {@code revision of auth store is old} when checked (clients then authenticate again), as in etcd.
 */
final class JwtTokens {
    private final JWSAlgorithm algorithm;
    private final JWSVerifier verifier;
    private final JWSSigner signer; // null: this member only verifies
    private final long ttlMillis;
    private final Clock clock;

    JwtTokens(TokenSettings.Jwt settings, Clock clock) {
        this.algorithm = JWSAlgorithm.parse(settings.signMethod());
        this.ttlMillis = settings.ttl().toMillis();
        this.clock = clock;
        boolean rsa = settings.signMethod().startsWith("RS") || settings.signMethod().startsWith("PS");
        PublicKey pub = publicKey(settings.publicKey(), rsa);
        PrivateKey priv = settings.privateKey() == null ? null : privateKey(settings.privateKey(), rsa);
        try {
            if (rsa) {
                verifier = new RSASSAVerifier((RSAPublicKey) pub);
                signer = priv == null ? null : new RSASSASigner(priv);
            } else {
                verifier = new ECDSAVerifier((ECPublicKey) pub);
                signer = priv == null ? null : new ECDSASigner((ECPrivateKey) priv);
            }
        } catch (JOSEException | ClassCastException e) {
            throw new IllegalArgumentException("jwt keys do not suit " + settings.signMethod() + ": " + e.getMessage(), e);
        }
        // A key pair that does not match would hand out tokens nobody accepts: refuse at start instead.
        if (signer != null && verify(sign("keel-key-check", 1)) == null) {
            throw new IllegalArgumentException("jwt: public and private keys don't match");
        }
    }

    /** A signed token for {@code user} at auth revision {@code revision}. */
    String sign(String user, long revision) {
        if (signer == null) throw new IllegalStateException("jwt: no private key: this member only verifies tokens");
        JWTClaimsSet claims = new JWTClaimsSet.Builder().claim("username", user).claim("revision", revision)
                .expirationTime(new Date(clock.millis() + ttlMillis)).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(algorithm), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("signing a token", e);
        }
        return jwt.serialize();
    }

    /** The caller a valid, unexpired token names, or null for anything else (forged, expired, malformed). */
    Caller verify(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!algorithm.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) return null;
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date exp = claims.getExpirationTime();
            if (exp != null && exp.getTime() <= clock.millis()) return null;
            Object user = claims.getClaim("username");
            Object revision = claims.getClaim("revision");
            if (!(user instanceof String name) || !(revision instanceof Number rev)) return null;
            return new Caller(name, Math.max(1, rev.longValue()));
        } catch (ParseException | JOSEException | RuntimeException e) {
            return null;
        }
    }

    private static PublicKey publicKey(Path file, boolean rsa) {
        byte[] der = pem(file, "PUBLIC KEY");
        try {
            return KeyFactory.getInstance(rsa ? "RSA" : "EC").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("jwt pub-key " + file + ": not an " + (rsa ? "RSA" : "EC")
                    + " public key (" + e.getMessage() + ")", e);
        }
    }

    private static PrivateKey privateKey(Path file, boolean rsa) {
        String text = read(file);
        byte[] der;
        if (text.contains("-----BEGIN RSA PRIVATE KEY-----")) {
            der = pkcs8FromPkcs1(pem(file, "RSA PRIVATE KEY"));
        } else if (text.contains("-----BEGIN EC PRIVATE KEY-----")) {
            throw new IllegalArgumentException("jwt priv-key " + file + ": an SEC1 EC key; convert it to PKCS#8"
                    + " (openssl pkcs8 -topk8 -nocrypt -in " + file + ")");
        } else {
            der = pem(file, "PRIVATE KEY");
        }
        try {
            return KeyFactory.getInstance(rsa ? "RSA" : "EC").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("jwt priv-key " + file + ": not an " + (rsa ? "RSA" : "EC")
                    + " private key (" + e.getMessage() + ")", e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("jwt: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static byte[] pem(Path file, String type) {
        String text = read(file);
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) throw new IllegalArgumentException("jwt: " + file + " holds no " + type);
        try {
            return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("jwt: " + file + ": bad base64 in its " + type, e);
        }
    }

    /** PKCS#1 RSAPrivateKey wrapped as PKCS#8 PrivateKeyInfo (version 0, rsaEncryption, the key). */
    private static byte[] pkcs8FromPkcs1(byte[] pkcs1) {
        byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
                0x01, 0x01, 0x05, 0x00};
        byte[] version = {0x02, 0x01, 0x00};
        byte[] octets = der((byte) 0x04, pkcs1);
        byte[] body = new byte[version.length + algorithm.length + octets.length];
        System.arraycopy(version, 0, body, 0, version.length);
        System.arraycopy(algorithm, 0, body, version.length, algorithm.length);
        System.arraycopy(octets, 0, body, version.length + algorithm.length, octets.length);
        return der((byte) 0x30, body);
    }

    private static byte[] der(byte tag, byte[] content) {
        int n = content.length;
        byte[] len = n < 0x80 ? new byte[] {(byte) n}
                : n < 0x100 ? new byte[] {(byte) 0x81, (byte) n}
                : n < 0x10000 ? new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n}
                : new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        byte[] out = new byte[1 + len.length + n];
        out[0] = tag;
        System.arraycopy(len, 0, out, 1, len.length);
        System.arraycopy(content, 0, out, 1 + len.length, n);
        return out;
    }
}
