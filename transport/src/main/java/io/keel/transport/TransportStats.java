package io.keel.transport;

import java.util.Map;

/**
 * Counters since the transport started, read by the server's metrics. Bytes are wire bytes (after TLS).
 *
 * @param connectAttempts         outbound TCP connection attempts
 * @param connects                outbound connections that completed the handshake
 * @param reconnects              of those, ones that replaced a lost connection to the same peer
 * @param inboundAccepted         inbound connections that passed the handshake
 * @param handshakeRefusals       inbound connections this member refused (identity, version, TLS, timeout)
 * @param refusedByPeers          outbound connections a peer refused (or whose reply this member refused)
 * @param badInputDisconnects     connections closed because the peer sent malformed, oversized or unexpected frames
 * @param messagesDroppedNoPeer   messages for members this transport does not know
 */
public record TransportStats(long bytesSent, long bytesReceived, long messagesSent, long messagesReceived,
                             long connectAttempts, long connects, long reconnects, long inboundAccepted,
                             long handshakeRefusals, long refusedByPeers, long badInputDisconnects,
                             long messagesDroppedNoPeer, long snapshotsSent, long snapshotsReceived,
                             long snapshotsFailed, Map<Long, PeerStats> peers) {

    /**
     * @param bytesSent       wire bytes of the messages sent to this peer (before TLS)
     * @param messagesDropped messages not sent: queue full, connection lost with them queued, or oversized
     * @param queuedBytes     wire bytes waiting in this peer's queue now
     * @param connected       whether the outbound connection has completed its handshake
     */
    public record PeerStats(long messagesSent, long bytesSent, long messagesDropped, long queuedBytes, boolean connected) {
    }

    /** Messages dropped for all peers, known or not. */
    public long messagesDropped() {
        return messagesDroppedNoPeer + peers.values().stream().mapToLong(PeerStats::messagesDropped).sum();
    }
}
