package io.keel.server.cli;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A member's numeric id, derived from its --name: the first 8 bytes of SHA-256 of the name's UTF-8 bytes, read as a
 * big-endian long (0, reserved for "none", becomes 1). Every process computes every member's id from
 * --initial-cluster alone, so they agree without talking; names must therefore be unique in a cluster, and a
 * member keeps its name for life (its data directory records the id).
 */
public final class MemberIds {
    private MemberIds() {
    }

    public static long fromName(String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            long id = ByteBuffer.wrap(digest).getLong();
            return id == 0 ? 1 : id;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
