package io.keel.server.membership;

import java.util.List;
import java.util.Objects;

/**
 * One member as the cluster's directory records it: etcd's Member (id, name, peer URLs, client URLs, learner).
 *
 * @param name        empty until the member started and announced itself (etcd lists it as unstarted)
 * @param clientUrls  empty until the member announced them
 * @param incarnation the incarnation of the data directory the member joined with; 0 until it published it
 */
public record MemberInfo(long id, String name, List<String> peerUrls, List<String> clientUrls, boolean learner,
                         long incarnation) {
    public MemberInfo {
        Objects.requireNonNull(name, "name");
        peerUrls = List.copyOf(peerUrls);
        clientUrls = List.copyOf(clientUrls);
    }

    /** A member whose incarnation is not recorded yet. */
    public MemberInfo(long id, String name, List<String> peerUrls, List<String> clientUrls, boolean learner) {
        this(id, name, peerUrls, clientUrls, learner, 0);
    }

    public boolean started() {
        return !name.isEmpty();
    }

    MemberInfo withLearner(boolean isLearner) {
        return new MemberInfo(id, name, peerUrls, clientUrls, isLearner, incarnation);
    }

    MemberInfo withAttributes(String newName, List<String> newClientUrls) {
        return new MemberInfo(id, newName, peerUrls, newClientUrls, learner, incarnation);
    }

    MemberInfo withPeerUrls(List<String> urls) {
        return new MemberInfo(id, name, urls, clientUrls, learner, incarnation);
    }

    MemberInfo withIncarnation(long joinedWith) {
        return new MemberInfo(id, name, peerUrls, clientUrls, learner, joinedWith);
    }

    @Override
    public String toString() {
        return Long.toHexString(id) + (name.isEmpty() ? "" : "(" + name + ")") + peerUrls
                + (learner ? " learner" : "");
    }
}
