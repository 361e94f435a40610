package io.keel.server.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * etcd's config files set TLS in two sections, {@code client-transport-security:} and
 * {@code peer-transport-security:}, whose keys ({@code cert-file}, {@code key-file}, {@code trusted-ca-file},
 * {@code client-cert-auth}, {@code auto-tls}, {@code crl-file}, {@code allowed-cn}) become the flags they stand for.
 * The flat keys ({@code cert-file: ...}, {@code peer-cert-file: ...}) work as well, as every flag does.
 */
final class TransportSecurity {
    private TransportSecurity() {
    }

    static boolean isSection(String key) {
        return key.equals("client-transport-security") || key.equals("peer-transport-security");
    }

    static List<String> toArguments(Path file, String section, Map<?, ?> keys) {
        boolean peer = section.startsWith("peer");
        List<String> args = new ArrayList<>();
        for (Map.Entry<?, ?> e : keys.entrySet()) {
            String key = String.valueOf(e.getKey());
            Object value = e.getValue();
            if (value == null || String.valueOf(value).isEmpty()) continue;
            String flag = switch (key) {
                case "cert-file", "key-file", "trusted-ca-file", "client-cert-auth", "auto-tls" ->
                        peer ? "peer-" + key : key;
                case "crl-file" -> peer ? "peer-crl-file" : "client-crl-file";
                case "allowed-cn" -> {
                    if (!peer) throw unknown(file, section, key);
                    yield "peer-cert-allowed-cn";
                }
                default -> throw unknown(file, section, key);
            };
            if (value instanceof Map || value instanceof List) {
                throw LaunchException.usage("--config-file " + file + ": " + section + "." + key
                        + " must have a single value");
            }
            args.add("--" + flag + "=" + value);
        }
        return args;
    }

    private static LaunchException unknown(Path file, String section, String key) {
        return LaunchException.usage("--config-file " + file + ": " + section + " has no key '" + key + "'");
    }
}
