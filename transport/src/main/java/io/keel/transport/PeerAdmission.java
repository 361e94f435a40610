package io.keel.transport;

/**
 * Whether a peer's data directory is the one the cluster knows for it, asked at every handshake in both directions
 * (of the member that connects, and of the member that answers). The transport cannot know: the answer is
 * replicated state (the member directory), supplied by the server. A refused peer gets nothing delivered and is
 * sent nothing.
 */
@FunctionalInterface
public interface PeerAdmission {
    /** Accepts every peer: for a transport used without a member directory. */
    PeerAdmission ANY = (memberId, incarnation) -> null;

    /**
     * @param incarnation the incarnation the peer declared, 0 if it declared none
     * @return null if the peer is accepted, else the reason, saying what the operator should do (logged on both sides)
     */
    String refusal(long memberId, long incarnation);

    /** Whether the cluster has removed this member for good (its handshake is refused with MEMBER_REMOVED). */
    default boolean isRemoved(long memberId) {
        return false;
    }

    /**
     * Peer {@code peerId} refused this member because the cluster removed it (MEMBER_REMOVED), with the peer's line.
     * Called on a transport thread: must not block.
     */
    default void removedBy(long peerId, String reason) {
    }
}
