package io.keel.server.member;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cluster id, derived like etcd's from the initial-cluster token and the initial members: every initial
 * member computes the same id without talking, and two clusters started with different tokens (or members)
 * refuse each other at the transport handshake and in the data directory.
 */
public final class ClusterIdentity {
    private ClusterIdentity() {
    }

    /** etcd's cluster id from the initial members' ids ({@link io.keel.server.membership.EtcdIds#cluster}). */
    public static long etcd(java.util.Collection<Long> memberIds) {
        long id = io.keel.server.membership.EtcdIds.cluster(memberIds);
        return id == 0 ? 1 : id; // 0 means "none" to storage and transport
    }

    /** Keel's own derivation (before etcd's; clusters made with it keep their ids). */
    public static long derive(String token, Map<Long, InetSocketAddress> initialCluster) {
        StringBuilder text = new StringBuilder(token).append('\n');
        new TreeMap<>(initialCluster).forEach((id, addr) ->
                text.append(Long.toUnsignedString(id)).append('=').append(addr.getHostString()).append(':')
                        .append(addr.getPort()).append('\n'));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            long id = ByteBuffer.wrap(digest).getLong();
            return id == 0 ? 1 : id; // 0 means "none" to storage and transport
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
