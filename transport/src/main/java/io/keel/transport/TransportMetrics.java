package io.keel.transport;

import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** The transport-wide counters; per-peer ones live in {@link PeerConnection}. */
final class TransportMetrics {
    final LongAdder bytesSent = new LongAdder();
    final LongAdder bytesReceived = new LongAdder();
    final LongAdder messagesSent = new LongAdder();
    final LongAdder messagesReceived = new LongAdder();
    final LongAdder connectAttempts = new LongAdder();
    final LongAdder connects = new LongAdder();
    final LongAdder reconnects = new LongAdder();
    final LongAdder inboundAccepted = new LongAdder();
    final LongAdder handshakeRefusals = new LongAdder();
    final LongAdder refusedByPeers = new LongAdder();
    final LongAdder badInputDisconnects = new LongAdder();
    final LongAdder messagesDroppedNoPeer = new LongAdder();
    final LongAdder snapshotsSent = new LongAdder();
    final LongAdder snapshotsReceived = new LongAdder();
    final LongAdder snapshotsFailed = new LongAdder();

    TransportStats snapshot(Map<Long, TransportStats.PeerStats> peers) {
        return new TransportStats(bytesSent.sum(), bytesReceived.sum(), messagesSent.sum(), messagesReceived.sum(),
                connectAttempts.sum(), connects.sum(), reconnects.sum(), inboundAccepted.sum(),
                handshakeRefusals.sum(), refusedByPeers.sum(), badInputDisconnects.sum(), messagesDroppedNoPeer.sum(),
                snapshotsSent.sum(), snapshotsReceived.sum(), snapshotsFailed.sum(), peers);
    }
}
