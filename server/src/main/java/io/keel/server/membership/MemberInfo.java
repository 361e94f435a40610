package io.keel.server.membership;

import java.util.List;
import java.util.Objects;

/**
 * One member as the cluster's directory records it: etcd's Member (id, name, peer URLs, client URLs, learner).
 *
 * @param name       empty until the member started and announced itself (etcd lists it as unstarted)
 * @param clientUrls empty until the member announced them
 */
public record MemberInfo(long id, String name, List<String> peerUrls, List<String> clientUrls, boolean learner) {
    public MemberInfo {
        Objects.requireNonNull(name, "name");
        peerUrls = List.copyOf(peerUrls);
        clientUrls = List.copyOf(clientUrls);
    }

    public boolean started() {
        return !name.isEmpty();
    }

    MemberInfo withLearner(boolean isLearner) {
        return new MemberInfo(id, name, peerUrls, clientUrls, isLearner);
    }

    MemberInfo withAttributes(String newName, List<String> newClientUrls) {
        return new MemberInfo(id, newName, peerUrls, newClientUrls, learner);
    }

    MemberInfo withPeerUrls(List<String> urls) {
        return new MemberInfo(id, name, urls, clientUrls, learner);
    }

    @Override
    public String toString() {
        return Long.toHexString(id) + (name.isEmpty() ? "" : "(" + name + ")") + peerUrls
                + (learner ? " learner" : "");
    }
}
