package io.keel.server.tls;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * etcd's --cipher-suites: TLS 1.2 suites by name. etcd takes Go's names, which are IANA's except that Go drops the
 * trailing {@code _SHA256} of the ChaCha20 suites; both spellings are accepted here. TLS 1.3 suites are not
 * configurable (as in Go): with only TLS 1.2 suites listed, connections use TLS 1.2.
 */
final class CipherSuites {
    private CipherSuites() {
    }

    /** Java's names for the listed suites; a name the TLS provider does not know is refused. */
    static List<String> javaNames(List<String> names, Set<String> supported, String flag) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            String name = n.trim();
            if (name.isEmpty()) continue;
            String java = name.endsWith("_CHACHA20_POLY1305") ? name + "_SHA256" : name;
            if (!supported.contains(java)) {
                throw new IllegalArgumentException(flag + ": unknown or unsupported cipher suite '" + name + "'");
            }
            out.add(java);
        }
        return out;
    }
}
