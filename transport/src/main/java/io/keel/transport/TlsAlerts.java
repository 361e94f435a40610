package io.keel.transport;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Describes a failed TLS handshake. When the other side ended it with an alert, the description also says so as Go's
 * TLS stack words it ({@code remote error: tls: bad certificate}): an etcd operator, and etcd's own tests, recognise
 * a peer refusing this member's certificate by that line. Go sends bad_certificate whenever it refuses a
 * certificate; the JDK sends certificate_unknown for the same refusals (its trust manager cannot choose the alert), so
 * that one is described as the refusal it is, with etcd's words for it.
 */
final class TlsAlerts {
    private static final Pattern RECEIVED = Pattern.compile("Received fatal alert: ([a-z_]+)");
    /** The JDK's alert names, and Go's texts for them (crypto/tls/alert.go). */
    private static final Map<String, String> GO_TEXTS = Map.ofEntries(
            Map.entry("close_notify", "close notify"),
            Map.entry("unexpected_message", "unexpected message"),
            Map.entry("bad_record_mac", "bad record MAC"),
            Map.entry("handshake_failure", "handshake failure"),
            Map.entry("bad_certificate", "bad certificate"),
            Map.entry("unsupported_certificate", "unsupported certificate"),
            Map.entry("certificate_revoked", "revoked certificate"),
            Map.entry("certificate_expired", "expired certificate"),
            Map.entry("certificate_unknown", "unknown certificate"),
            Map.entry("illegal_parameter", "illegal parameter"),
            Map.entry("unknown_ca", "unknown certificate authority"),
            Map.entry("access_denied", "access denied"),
            Map.entry("decode_error", "error decoding message"),
            Map.entry("decrypt_error", "error decrypting message"),
            Map.entry("protocol_version", "protocol version not supported"),
            Map.entry("insufficient_security", "insufficient security level"),
            Map.entry("internal_error", "internal error"),
            Map.entry("certificate_required", "certificate required"),
            Map.entry("unsupported_extension", "unsupported extension"),
            Map.entry("no_application_protocol", "no application protocol"));

    private TlsAlerts() {
    }

    /** {@code cause} as text, with Go's words for an alert the other side sent, if it sent one. */
    static String describe(Throwable cause) {
        String text = String.valueOf(cause);
        for (Throwable t = cause; t != null; t = t.getCause()) {
            Matcher m = t.getMessage() == null ? null : RECEIVED.matcher(t.getMessage());
            if (m != null && m.find()) {
                String alert = m.group(1);
                if (alert.equals("certificate_unknown")) {
                    return text + " (the other side refused this member's certificate; etcd reports that as remote"
                            + " error: tls: bad certificate)";
                }
                return text + " (remote error: tls: " + GO_TEXTS.getOrDefault(alert, alert.replace('_', ' ')) + ")";
            }
        }
        return text;
    }
}
