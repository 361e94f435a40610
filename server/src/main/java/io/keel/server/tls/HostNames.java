package io.keel.server.tls;

import java.net.InetAddress;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Whether a certificate is valid for a host name or IP address, as Go's {@code x509.Certificate.VerifyHostname}
 * decides it (what etcd's {@code --peer-cert-allowed-hostname} and {@code --client-cert-allowed-hostname} use): an
 * IP address must be one of the certificate's IP subject alternative names; a name must match one of its DNS
 * subject alternative names, case-insensitively, where {@code *} may stand for the whole leftmost label. The
 * subject's common name is not consulted (Go stopped doing so in 1.15).
 */
public final class HostNames {
    private static final int DNS = 2;
    private static final int IP = 7;

    private HostNames() {
    }

    public static boolean matches(X509Certificate cert, String host) {
        String h = host.trim();
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        if (looksLikeIp(h)) {
            InetAddress wanted = ip(h);
            if (wanted == null) return false;
            for (String san : sans(cert, IP)) {
                InetAddress a = ip(san);
                if (a != null && a.equals(wanted)) return true;
            }
            return false;
        }
        String name = trimDot(h.toLowerCase(Locale.ROOT));
        for (String san : sans(cert, DNS)) {
            if (nameMatches(trimDot(san.toLowerCase(Locale.ROOT)), name)) return true;
        }
        return false;
    }

    /** What the certificate names, for messages: its DNS and IP subject alternative names. */
    public static List<String> names(X509Certificate cert) {
        List<String> out = new ArrayList<>(sans(cert, DNS));
        out.addAll(sans(cert, IP));
        return out;
    }

    private static boolean nameMatches(String pattern, String host) {
        if (pattern.isEmpty() || host.isEmpty()) return false;
        String[] p = pattern.split("\\.", -1);
        String[] h = host.split("\\.", -1);
        if (p.length != h.length) return false;
        for (int i = 0; i < p.length; i++) {
            if (i == 0 && p[i].equals("*")) continue;
            if (!p[i].equals(h[i])) return false;
        }
        return true;
    }

    private static String trimDot(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static boolean looksLikeIp(String h) {
        return h.contains(":") || h.matches("[0-9.]+");
    }

    /** A literal IP address, never a DNS lookup; null if it is not one. */
    private static InetAddress ip(String literal) {
        if (!looksLikeIp(literal)) return null;
        try {
            return InetAddress.getByName(literal); // a literal: no lookup
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    private static List<String> sans(X509Certificate cert, int type) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> all = cert.getSubjectAlternativeNames();
            if (all == null) return out;
            for (List<?> san : all) {
                if (san.size() >= 2 && san.get(0) instanceof Integer t && t == type && san.get(1) instanceof String v) {
                    out.add(v);
                }
            }
        } catch (CertificateParsingException e) {
            return out;
        }
        return out;
    }
}
