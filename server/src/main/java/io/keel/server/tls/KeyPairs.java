package io.keel.server.tls;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;

/** Key checks the key manager needs: does a key belong to a certificate, and can it serve a TLS key type. */
final class KeyPairs {
    private KeyPairs() {
    }

    /** Signs a probe with the private key and verifies it with the certificate's public key. */
    static boolean match(PublicKey pub, PrivateKey key) {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "RSASSA-PSS" -> null;
            default -> null;
        };
        if (alg == null) return pub.getAlgorithm().equals(key.getAlgorithm()); // cannot probe: trust the pairing
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * Whether a key can serve a key type as TLS engines name them: the JDK asks for "RSA", "EC", "RSASSA-PSS",
     * "EdDSA"; the OpenSSL engine for authentication methods such as "ECDHE_RSA" or "EC_EC".
     */
    static boolean fits(PrivateKey key, String keyType) {
        if (keyType == null) return false;
        String alg = key.getAlgorithm();
        if (keyType.equals(alg)) return true;
        return switch (alg) {
            case "RSA" -> keyType.endsWith("_RSA") || keyType.equals("RSA_EXPORT");
            case "EC" -> keyType.endsWith("_EC") || keyType.endsWith("_ECDSA");
            case "Ed25519", "EdDSA" -> keyType.equals("EdDSA") || keyType.equals("Ed25519");
            default -> false;
        };
    }
}
