package io.keel.transport;

/**
 * Why a handshake was refused. The code travels in HELLO_REPLY so both sides log the same reason; codes are part of
 * the wire format.
 */
public enum Refusal {
    /** The initiator speaks another protocol version. */
    WRONG_PROTOCOL_VERSION(1),
    /** Another cluster (fault 16: a member bootstrapped as a new cluster next to a live one). */
    WRONG_CLUSTER(2),
    /** The initiator wanted another member: a wrong or stale address (fault 16). */
    WRONG_TARGET(3),
    /** The sender is not among this member's peers (removed, or never added). */
    UNKNOWN_SENDER(4),
    /** The sender claims this member's own id: two processes under one name. */
    SENDER_IS_RECEIVER(5),
    /** The stream kind byte is not one this version knows. */
    UNKNOWN_STREAM_KIND(6),
    /** No valid HELLO in time, or not a Keel peer at all. */
    NO_VALID_HELLO(7),
    /** TLS failed: no certificate, or one not signed by the cluster CA, or plaintext against TLS. */
    TLS_FAILED(8),
    /** The responder's reply names another cluster or member than the one the initiator wanted. */
    RESPONDER_MISMATCH(9),
    /** The peer's data directory is not the one the cluster knows for it (wiped, replaced): it lost data it acknowledged. */
    WRONG_INCARNATION(10),
    /** The peer runs with another election timeout, heartbeat interval or clock-drift bound. */
    TIMING_MISMATCH(11),
    /**
     * The sender was removed from the cluster (the responder has applied its removal): it must stop, as etcd's
     * member stops when a peer answers 410 Gone. Its receiver tells its {@link PeerAdmission#removedBy}. A peer that
     * does not know the code reports it as NO_VALID_HELLO.
     */
    MEMBER_REMOVED(12);

    private static final Refusal[] BY_CODE = new Refusal[256];

    static {
        for (Refusal r : values()) BY_CODE[r.code] = r;
    }

    final byte code;

    Refusal(int code) {
        this.code = (byte) code;
    }

    /** The refusal for a code received from a peer; an unknown code (a newer peer) is reported as NO_VALID_HELLO. */
    static Refusal ofCode(byte code) {
        Refusal r = BY_CODE[code & 0xFF];
        return r == null ? NO_VALID_HELLO : r;
    }
}
