package io.keel.server.auth;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * etcd's {@code --auth-token}: {@code simple}, or {@code jwt,pub-key=<pem>,priv-key=<pem>,sign-method=<alg>} with
 * an optional {@code ttl=<Go duration>} (default 5m); and {@code --auth-token-ttl} for simple tokens.
 *
 * @param jwt null for simple tokens
 */
public record TokenSettings(Duration simpleTtl, Jwt jwt) {
    /** etcd's defaults: simple tokens living 300 s unused. */
    public static final TokenSettings DEFAULTS = new TokenSettings(Duration.ofSeconds(300), null);

    /** A JWT setup: the keys' PEM files (the private one may be absent: such a member only verifies). */
    public record Jwt(Path publicKey, Path privateKey, String signMethod, Duration ttl) {
    }

    private static final Set<String> SIGN_METHODS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
            "ES256", "ES384", "ES512");

    /** Loads the JWT keys once, so a launcher with unusable ones stops at start with the reason. */
    public TokenSettings checked() {
        if (jwt != null) new JwtTokens(jwt, java.time.Clock.systemUTC());
        return this;
    }

    public static TokenSettings parse(String flag, Duration simpleTtl) {
        String[] parts = flag.trim().split(",");
        String type = parts[0].trim();
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            if (kv.length != 2 || kv[0].isBlank()) {
                throw new IllegalArgumentException("'" + parts[i] + "' is not key=value");
            }
            options.put(kv[0].trim(), kv[1].trim());
        }
        return switch (type) {
            case "simple" -> {
                if (!options.isEmpty()) throw new IllegalArgumentException("simple tokens take no options: " + flag);
                yield new TokenSettings(simpleTtl, null);
            }
            case "jwt" -> new TokenSettings(simpleTtl, jwt(options));
            default -> throw new IllegalArgumentException("unknown token type '" + type + "' (simple or jwt)");
        };
    }

    private static Jwt jwt(Map<String, String> options) {
        for (String key : options.keySet()) {
            if (!Set.of("pub-key", "priv-key", "sign-method", "ttl").contains(key)) {
                throw new IllegalArgumentException("unknown jwt option '" + key + "'");
            }
        }
        String method = options.get("sign-method");
        if (method == null || !SIGN_METHODS.contains(method)) {
            throw new IllegalArgumentException("jwt needs sign-method, one of " + new java.util.TreeSet<>(SIGN_METHODS)
                    + " (got " + method + ")");
        }
        String pub = options.get("pub-key");
        if (pub == null) throw new IllegalArgumentException("jwt needs pub-key=<PEM file>");
        String priv = options.get("priv-key");
        Duration ttl = options.containsKey("ttl") ? goDuration(options.get("ttl")) : Duration.ofMinutes(5);
        return new Jwt(Path.of(pub), priv == null ? null : Path.of(priv), method, ttl);
    }

    private static final java.util.regex.Pattern PART = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)");

    private static Duration goDuration(String text) {
        java.util.regex.Matcher m = PART.matcher(text);
        Duration d = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            });
            end = m.end();
        }
        if (end != text.length() || d.isZero()) {
            throw new IllegalArgumentException("jwt ttl '" + text + "' is not a positive duration (5m, 300s)");
        }
        return d;
    }
}
