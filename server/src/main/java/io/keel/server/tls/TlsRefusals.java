package io.keel.server.tls;

import javax.net.ssl.SSLException;
import java.nio.channels.ClosedChannelException;

/** One sentence for why a TLS handshake failed, for the server's log line. */
final class TlsRefusals {
    private TlsRefusals() {
    }

    /** Whether a failed handshake was refused (logged as such) rather than just cut off by the other side. */
    static boolean isRefusal(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ClosedChannelException) return false;
            if (c instanceof SSLException) return true;
        }
        return false;
    }

    static String describe(Throwable t) {
        if (t.getClass().getSimpleName().equals("NotSslRecordException")) {
            return "not TLS (a plain-text client on a TLS port)";
        }
        // The innermost message names the rule (our trust manager's sentence, or the engine's own).
        String deepest = null;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null) deepest = c.getMessage();
            if (c instanceof java.security.cert.CertificateException && c.getMessage() != null) {
                return c.getMessage();
            }
        }
        String m = deepest == null ? t.toString() : deepest;
        if (m.contains("Empty client certificate chain") || m.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE")
                || m.contains("NO_CERTIFICATE") || m.contains("certificate_required")) {
            return "no client certificate, and this port requires one";
        }
        if (m.contains("ALERT_BAD_CERTIFICATE") || m.contains("ALERT_UNKNOWN_CA") || m.contains("ALERT_CERTIFICATE_UNKNOWN")
                || m.contains("bad_certificate") || m.contains("unknown_ca") || m.contains("certificate_unknown")) {
            return "the client does not accept this member's certificate (" + m.replace('\n', ' ') + ")";
        }
        return m.replace('\n', ' ');
    }
}
