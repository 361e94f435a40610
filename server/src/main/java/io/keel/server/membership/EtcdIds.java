package io.keel.server.membership;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Member and cluster ids derived exactly as etcd 3.4 derives them (etcdserver/api/membership), so the same flags
 * give the same ids on etcd and Keel:
 * <ul>
 *   <li>a member's id: the first 8 bytes, big-endian, of SHA-1 over its peer URLs sorted and concatenated, then the
 *       cluster token, then, for a member added at run time, the time of the add in Unix seconds (etcd adds members
 *       with an empty token);</li>
 *   <li>a cluster's id: the same over the initial members' ids, sorted as unsigned numbers, each as 8 big-endian
 *       bytes.</li>
 * </ul>
 */
public final class EtcdIds {
    private EtcdIds() {
    }

    /** An initial member's id (etcd: NewMember(name, urls, token, nil)). */
    public static long initialMember(List<String> peerUrls, String clusterToken) {
        return member(peerUrls, clusterToken, null);
    }

    /** The id etcd gives a member added at run time at {@code unixSeconds} (etcd: {@code NewMember("", urls, "", &now)}). */
    public static long addedMember(List<String> peerUrls, long unixSeconds) {
        return member(peerUrls, "", unixSeconds);
    }

    private static long member(List<String> peerUrls, String clusterToken, Long unixSeconds) {
        List<String> sorted = new ArrayList<>(peerUrls);
        sorted.sort(null); // Go's sort.Strings: byte order, which is UTF-16 order for the ASCII of URLs
        StringBuilder text = new StringBuilder();
        sorted.forEach(text::append);
        text.append(clusterToken);
        if (unixSeconds != null) text.append(unixSeconds);
        return first8(sha1(text.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** A cluster's id from its initial members' ids (etcd: RaftCluster.genID). */
    public static long cluster(Collection<Long> memberIds) {
        List<Long> sorted = new ArrayList<>(memberIds);
        sorted.sort(Long::compareUnsigned);
        ByteBuffer b = ByteBuffer.allocate(8 * sorted.size());
        sorted.forEach(b::putLong);
        return first8(sha1(b.array()));
    }

    private static byte[] sha1(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    private static long first8(byte[] digest) {
        return ByteBuffer.wrap(digest).getLong();
    }
}
