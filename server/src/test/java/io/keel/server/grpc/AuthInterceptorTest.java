package io.keel.server.grpc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The user a verified client certificate names (etcd's --client-cert-auth): its subject's common name. The TLS
 * session is a stand-in (the launcher does not serve TLS yet); the certificate is a real one made by keytool.
 */
class AuthInterceptorTest {
    private static Certificate certificate(Path dir, String dname) throws Exception {
        Path store = dir.resolve("client.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "client", "-keyalg", "EC", "-dname", dname, "-validity", "1",
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "secret123")
                .redirectErrorStream(true).redirectOutput(dir.resolve("keytool.log").toFile()).start();
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS), "keytool finishes");
        assertEquals(0, keytool.exitValue(), () -> {
            try {
                return Files.readString(dir.resolve("keytool.log"));
            } catch (java.io.IOException e) {
                return e.toString();
            }
        });
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "secret123".toCharArray());
        }
        return ks.getCertificate("client");
    }

    private static SSLSession session(Certificate[] peer) {
        return (SSLSession) Proxy.newProxyInstance(SSLSession.class.getClassLoader(), new Class<?>[] {SSLSession.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getPeerCertificates")) {
                        if (peer == null) throw new SSLPeerUnverifiedException("no client certificate");
                        return peer;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void theCommonNameOfAVerifiedClientCertificateNamesTheUser(@TempDir Path dir) throws Exception {
        Certificate alice = certificate(dir, "CN=alice, OU=apps, O=Keel");
        assertEquals("alice", AuthInterceptor.commonName(session(new Certificate[] {alice})));
        assertNull(AuthInterceptor.commonName(session(null)), "no certificate: nobody");
        assertNull(AuthInterceptor.commonName(session(new Certificate[0])));
        assertNull(AuthInterceptor.commonName(null), "no TLS: nobody");
        Certificate noCn = certificate(Files.createDirectories(dir.resolve("b")), "OU=apps, O=Keel");
        assertNull(AuthInterceptor.commonName(session(new Certificate[] {noCn})), "no CN: nobody");
    }
}
