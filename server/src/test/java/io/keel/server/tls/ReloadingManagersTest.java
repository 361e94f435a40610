package io.keel.server.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The key and trust managers read their files again at each handshake: a replaced certificate, CA or revocation
 * list counts for the next handshake, and a replacement that cannot be used leaves the previous content in force.
 */
class ReloadingManagersTest {
    @Test
    void aReplacedCertificateIsPresentedAndAnUnusableOneIsNotTaken(@TempDir Path dir) throws Exception {
        TestCa ca = new TestCa(dir, "ca");
        TestCa.Issued first = ca.issue("m1");
        ReloadingKeyManager km = new ReloadingKeyManager("test", first.cert(), first.key());
        String alias = km.chooseEngineServerAlias("EC", null, null);
        assertEquals(first.serial(), km.getCertificateChain(alias)[0].getSerialNumber());
        assertNull(km.chooseEngineServerAlias("RSA", null, null), "an EC key does not serve RSA");

        Files.writeString(first.key(), "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n");
        String afterBroken = km.chooseEngineServerAlias("EC", null, null);
        assertEquals(alias, afterBroken, "a half-written key is not taken");
        assertEquals(first.serial(), km.getCertificateChain(afterBroken)[0].getSerialNumber());
        assertTrue(KeyPairs.match(km.getCertificateChain(afterBroken)[0].getPublicKey(),
                km.getPrivateKey(afterBroken)), "the certificate and key in force still belong together");

        TestCa.Issued renewed = ca.issue("m1"); // writes m1.key and m1.crt again, as a renewal does
        String next = km.chooseEngineServerAlias("EC", null, null);
        assertNotEquals(alias, next);
        assertEquals(renewed.serial(), km.getCertificateChain(next)[0].getSerialNumber());
        assertEquals(renewed.serial(), km.getCertificateChain(km.chooseEngineClientAlias(new String[] {"RSA", "EC"},
                null, null))[0].getSerialNumber(), "a dialling member presents the renewed one too");
    }

    @Test
    void revocationListAndCaFileChangesCountForTheNextHandshake(@TempDir Path dir) throws Exception {
        TestCa ca = new TestCa(dir.resolve("a"), "ca");
        TestCa other = new TestCa(dir.resolve("b"), "other");
        TestCa.Issued alice = ca.issue("alice");
        TestCa.Issued mallory = other.issue("mallory");
        Path crl = ca.writeCrl(dir.resolve("crl.pem"));
        Path caFile = Files.copy(ca.certFile, dir.resolve("trusted.crt"));
        ReloadingTrustManager tm = new ReloadingTrustManager("test", caFile, crl, null);

        assertDoesNotThrow(() -> tm.checkClientTrusted(chain(alice), "ECDHE_ECDSA"));
        CertificateException foreign = assertThrows(CertificateException.class,
                () -> tm.checkClientTrusted(chain(mallory), "ECDHE_ECDSA"));
        assertEquals("certificate 'CN=mallory' is not signed by a CA in " + caFile, foreign.getMessage());

        ca.revoke(alice.serial(), crl);
        CertificateException revoked = assertThrows(CertificateException.class,
                () -> tm.checkClientTrusted(chain(alice), "ECDHE_ECDSA"));
        assertEquals("certificate CN=alice (serial " + alice.serial().toString(16) + ") is revoked by " + crl,
                revoked.getMessage());

        Files.writeString(crl, "not a revocation list");
        assertThrows(CertificateException.class, () -> tm.checkClientTrusted(chain(alice), "ECDHE_ECDSA"),
                "an unreadable new list leaves the previous one in force");

        Files.copy(other.certFile, caFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertDoesNotThrow(() -> tm.checkClientTrusted(chain(mallory), "ECDHE_ECDSA"), "the new CA file counts");
    }

    @Test
    void onlyTheAllowedCommonNameIsAccepted(@TempDir Path dir) throws Exception {
        TestCa ca = new TestCa(dir, "ca");
        ReloadingTrustManager tm = new ReloadingTrustManager("test", ca.certFile, null, "keel-peer");
        assertDoesNotThrow(() -> tm.checkServerTrusted(chain(ca.issue("keel-peer", "p1")), "ECDHE_ECDSA"));
        CertificateException e = assertThrows(CertificateException.class,
                () -> tm.checkClientTrusted(chain(ca.issue("outsider")), "ECDHE_ECDSA"));
        assertEquals("client certificate authentication failed: certificate common name 'outsider' is not the"
                + " allowed one ('keel-peer')", e.getMessage());
    }

    private static X509Certificate[] chain(TestCa.Issued issued) throws Exception {
        return PemFiles.certificates(issued.cert(), Files.readAllBytes(issued.cert())).toArray(X509Certificate[]::new);
    }
}
