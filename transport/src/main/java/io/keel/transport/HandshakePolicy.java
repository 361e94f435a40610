package io.keel.transport;

import java.util.function.LongPredicate;

/**
 * The rules an inbound HELLO must pass before anything it carries is delivered, and an accepting reply before
 * anything is sent. They keep out a member of another cluster, a connection meant for another member (wrong or stale
 * address), a member this one does not know (a removed member, or a wiped one that came back under a new id), a
 * second process under this member's own id, a member whose data directory is not the one the cluster knows for it
 * (a wiped one that came back under its old id: issue 10 B), and a member running with other election timing
 * (issue 10 D).
 */
final class HandshakePolicy {
    private final long clusterId;
    private final long localId;
    private final ElectionTiming timing;
    private final LongPredicate isKnownPeer;
    private final PeerAdmission admission;

    HandshakePolicy(long clusterId, long localId, ElectionTiming timing, LongPredicate isKnownPeer,
                    PeerAdmission admission) {
        this.clusterId = clusterId;
        this.localId = localId;
        this.timing = timing;
        this.isKnownPeer = isKnownPeer;
        this.admission = admission;
    }

    /** Without incarnations or timing (tests of the other rules). */
    HandshakePolicy(long clusterId, long localId, LongPredicate isKnownPeer) {
        this(clusterId, localId, ElectionTiming.NONE, isKnownPeer, PeerAdmission.ANY);
    }

    /** The refusal for this HELLO, or null if it is accepted. Version first: other fields mean nothing without it. */
    Refusal judge(Hello hello) {
        if (hello.protocolVersion() != Hello.PROTOCOL_VERSION) return Refusal.WRONG_PROTOCOL_VERSION;
        if (hello.kind() == null) return Refusal.UNKNOWN_STREAM_KIND;
        if (hello.clusterId() != clusterId) return Refusal.WRONG_CLUSTER;
        if (hello.targetId() != localId) return Refusal.WRONG_TARGET;
        if (hello.senderId() == localId) return Refusal.SENDER_IS_RECEIVER;
        // Before UNKNOWN_SENDER, which it also is: a removed member is told so, and stops (etcd: 410 Gone).
        if (admission.isRemoved(hello.senderId())) return Refusal.MEMBER_REMOVED;
        if (!isKnownPeer.test(hello.senderId())) return Refusal.UNKNOWN_SENDER;
        // A member whose data directory was wiped has forgotten its votes and the entries it acknowledged: counted
        // again under its old id it could elect a leader without a committed entry, or help commit over a
        // majority that never had it. Nothing it says may reach Raft.
        if (incarnationRefusal(hello.senderId(), hello.incarnation()) != null) return Refusal.WRONG_INCARNATION;
        // The lease and the vote-refusal guard protect each other only with the same numbers on both sides.
        if (!timing.equals(hello.timing())) return Refusal.TIMING_MISMATCH;
        return null;
    }

    /**
     * Checks the other direction on the initiator's side: the reply must come from the member and cluster wanted,
     * on the data directory the cluster knows for it (a wiped member must not be sent entries or vote requests
     * whose answers would count), with the same timing.
     */
    Refusal judgeReply(Hello sent, HelloReply reply) {
        if (reply.protocolVersion() != Hello.PROTOCOL_VERSION) return Refusal.WRONG_PROTOCOL_VERSION;
        if (reply.clusterId() != clusterId) return Refusal.WRONG_CLUSTER;
        if (reply.responderId() != sent.targetId() || reply.initiatorId() != localId) return Refusal.RESPONDER_MISMATCH;
        if (incarnationRefusal(reply.responderId(), reply.incarnation()) != null) return Refusal.WRONG_INCARNATION;
        if (!timing.equals(reply.timing())) return Refusal.TIMING_MISMATCH;
        return null;
    }

    /** Why the member directory refuses this (member, incarnation), or null. */
    String incarnationRefusal(long memberId, long incarnation) {
        return admission.refusal(memberId, incarnation);
    }

    String timingMismatch(long peerId, ElectionTiming peerTiming) {
        return timing.mismatch(peerId, peerTiming, localId);
    }

    /** A peer refused this member as removed from the cluster. */
    void removedBy(long peerId, String reason) {
        admission.removedBy(peerId, reason);
    }

    String describeLocal() {
        return "member " + Texts.id(localId) + " of cluster " + Texts.id(clusterId) + " (protocol v" + Hello.PROTOCOL_VERSION + ")";
    }
}
