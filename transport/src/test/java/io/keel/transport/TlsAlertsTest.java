package io.keel.transport;

import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A failed handshake is described with Go's words for the alert the other side sent, as etcd's logs show it. */
class TlsAlertsTest {
    @Test
    void receivedAlertsAreWordedAsEtcdWordsThem() {
        assertTrue(TlsAlerts.describe(new SSLHandshakeException("Received fatal alert: bad_certificate"))
                .endsWith("(remote error: tls: bad certificate)"));
        String jdkRefusal = TlsAlerts.describe(new SSLHandshakeException("Received fatal alert: certificate_unknown"));
        assertTrue(jdkRefusal.contains("the other side refused this member's certificate; etcd reports that as"
                + " remote error: tls: bad certificate"), jdkRefusal);
        assertTrue(TlsAlerts.describe(new RuntimeException("wrapped",
                new SSLHandshakeException("Received fatal alert: unknown_ca"))).endsWith(
                "(remote error: tls: unknown certificate authority)"), "found in the cause chain");
        SSLHandshakeException local = new SSLHandshakeException("PKIX path building failed");
        assertEquals(local.toString(), TlsAlerts.describe(local), "a failure of this side's own is left as it is");
    }
}
