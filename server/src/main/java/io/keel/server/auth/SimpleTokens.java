package io.keel.server.auth;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * etcd's {@code simple} tokens: random strings held in this member's memory, each naming a user, valid until
 * unused for the TTL ({@code --auth-token-ttl}, 300 s by default; every use restarts it). As in etcd 3.4 a token is
 * learnt by every member when the Authenticate entry applies there, and forgotten by a restart; a user's tokens
 * are dropped when the user is deleted or its password changes, and all tokens when authentication is disabled.
 */
public final class SimpleTokens {
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final int PREFIX_LENGTH = 16; // etcd's
    private static final int MAX_UNCLAIMED = 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Holder(String user, long expiresAtNanos) {
    }

    private final ConcurrentHashMap<String, Holder> tokens = new ConcurrentHashMap<>();
    /** Tokens assigned at apply, by the prefix their proposer chose, until the proposer claims its own. */
    private final Map<String, String> unclaimed = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX_UNCLAIMED; // a proposer that gave up never claims its token
        }
    };
    private final LongSupplier nanoClock;
    private volatile long ttlNanos = Duration.ofSeconds(300).toNanos();

    public SimpleTokens(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    public void ttl(Duration ttl) {
        if (ttl.isNegative() || ttl.isZero()) throw new IllegalArgumentException("token TTL must be positive: " + ttl);
        this.ttlNanos = ttl.toNanos();
    }

    /** A fresh token prefix, as etcd's: 16 random letters. */
    static String newPrefix() {
        StringBuilder b = new StringBuilder(PREFIX_LENGTH);
        for (int i = 0; i < PREFIX_LENGTH; i++) b.append(LETTERS.charAt(RANDOM.nextInt(LETTERS.length())));
        return b.toString();
    }

    /** Apply thread: the Authenticate entry at {@code index} gives {@code user} the token "prefix.index". */
    void assign(String prefix, long index, String user) {
        String token = prefix + "." + index;
        tokens.put(token, new Holder(user, nanoClock.getAsLong() + ttlNanos));
        synchronized (unclaimed) {
            unclaimed.put(prefix, token);
        }
        expireOld();
    }

    /** The token assigned for {@code prefix} (once its entry applied here), or null. */
    String claim(String prefix) {
        synchronized (unclaimed) {
            return unclaimed.remove(prefix);
        }
    }

    /** The user a valid token names (and its TTL restarts), or null for an unknown or expired token. */
    public String user(String token) {
        long now = nanoClock.getAsLong();
        Holder h = tokens.get(token);
        if (h == null) return null;
        if (now - h.expiresAtNanos() >= 0) {
            tokens.remove(token, h);
            return null;
        }
        tokens.replace(token, h, new Holder(h.user(), now + ttlNanos));
        return h.user();
    }

    void invalidateUser(String user) {
        tokens.values().removeIf(h -> h.user().equals(user));
    }

    void clear() {
        tokens.clear();
    }

    int size() {
        return tokens.size();
    }

    private void expireOld() {
        long now = nanoClock.getAsLong();
        for (Iterator<Holder> it = tokens.values().iterator(); it.hasNext(); ) {
            if (now - it.next().expiresAtNanos() >= 0) it.remove();
        }
    }
}
