package io.keel.server.auth;

import org.springframework.security.crypto.bcrypt.BCrypt;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * bcrypt hashes of passwords (Spring Security's maintained implementation; its check compares in constant time).
 * Cost 10, etcd's default ({@code --bcrypt-cost}). bcrypt reads at most 72 bytes of a password: longer ones are
 * cut there, as etcd 3.4's Go bcrypt did, so a long password is accepted rather than refused.
 */
final class Passwords {
    static final int COST = 10;
    private static final int BCRYPT_MAX_BYTES = 72;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Passwords() {
    }

    static byte[] hash(String password) {
        return BCrypt.hashpw(bytes(password), BCrypt.gensalt(COST, RANDOM)).getBytes(StandardCharsets.US_ASCII);
    }

    /** Whether {@code password} matches {@code hash}; false for anything that is not a bcrypt hash. */
    static boolean matches(String password, byte[] hash) {
        if (hash == null || hash.length == 0) return false;
        try {
            return BCrypt.checkpw(bytes(password), new String(hash, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException notBcrypt) {
            return false;
        }
    }

    private static byte[] bytes(String password) {
        byte[] b = password.getBytes(StandardCharsets.UTF_8);
        return b.length <= BCRYPT_MAX_BYTES ? b : Arrays.copyOf(b, BCRYPT_MAX_BYTES);
    }
}
