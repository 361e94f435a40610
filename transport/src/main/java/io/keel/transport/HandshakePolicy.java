package io.keel.transport;

import java.util.function.LongPredicate;

/**
 * The rules an inbound HELLO must pass before anything it carries is delivered. They keep out a member of another
 * cluster, a connection meant for another member (wrong or stale address), a member this one does not know (a
 * removed member, or a wiped one that came back under a new id), and a second process under this member's own id.
 */
final class HandshakePolicy {
    private final long clusterId;
    private final long localId;
    private final LongPredicate isKnownPeer;

    HandshakePolicy(long clusterId, long localId, LongPredicate isKnownPeer) {
        this.clusterId = clusterId;
        this.localId = localId;
        this.isKnownPeer = isKnownPeer;
    }

    /** The refusal for this HELLO, or null if it is accepted. Version first: other fields mean nothing without it. */
    Refusal judge(Hello hello) {
        if (hello.protocolVersion() != Hello.PROTOCOL_VERSION) return Refusal.WRONG_PROTOCOL_VERSION;
        if (hello.kind() == null) return Refusal.UNKNOWN_STREAM_KIND;
        if (hello.clusterId() != clusterId) return Refusal.WRONG_CLUSTER;
        if (hello.targetId() != localId) return Refusal.WRONG_TARGET;
        if (hello.senderId() == localId) return Refusal.SENDER_IS_RECEIVER;
        if (!isKnownPeer.test(hello.senderId())) return Refusal.UNKNOWN_SENDER;
        return null;
    }

    /** Checks the other direction on the initiator's side: the reply must come from the member and cluster wanted. */
    Refusal judgeReply(Hello sent, HelloReply reply) {
        if (reply.protocolVersion() != Hello.PROTOCOL_VERSION) return Refusal.WRONG_PROTOCOL_VERSION;
        if (reply.clusterId() != clusterId) return Refusal.WRONG_CLUSTER;
        if (reply.responderId() != sent.targetId() || reply.initiatorId() != localId) return Refusal.RESPONDER_MISMATCH;
        return null;
    }

    String describeLocal() {
        return "member " + Texts.id(localId) + " of cluster " + Texts.id(clusterId) + " (protocol v" + Hello.PROTOCOL_VERSION + ")";
    }
}
