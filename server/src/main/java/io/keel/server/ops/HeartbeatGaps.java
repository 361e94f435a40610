package io.keel.server.ops;

import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * etcd's heartbeat send failures: a leader that sends a peer its next heartbeat more than two heartbeat intervals
 * after the last one has failed to send it on time (etcd's timeout detector: an overloaded leader, likely a slow
 * disk). Raft thread only; forgotten on every role, term or leader change, as etcd resets its detector.
 */
final class HeartbeatGaps {
    private final Map<Long, Long> lastSent = new HashMap<>();

    /** Heartbeats among {@code messages} sent later than {@code maxGapNanos} after the last one to the same peer. */
    int late(List<Message> messages, long now, long maxGapNanos) {
        int late = 0;
        for (Message m : messages) {
            if (m.getType() != MessageType.MSG_HEARTBEAT) continue;
            Long previous = lastSent.put(m.getTo(), now);
            if (previous != null && now - previous > maxGapNanos) late++;
        }
        return late;
    }

    void reset() {
        lastSent.clear();
    }
}
