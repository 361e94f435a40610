package io.keel.server.tls;

import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.Certificate;

/** The files of an issued certificate as a key store, for JDK clients in tests. */
public final class TestKeyStores {
    private TestKeyStores() {
    }

    public static KeyStore of(TestCa.Issued issued) throws Exception {
        var chain = PemFiles.certificates(issued.cert(), Files.readAllBytes(issued.cert()));
        var key = PemFiles.privateKey(issued.key(), Files.readAllBytes(issued.key()));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("me", key, new char[0], chain.toArray(Certificate[]::new));
        return ks;
    }
}
