package io.keel.server.ops;

import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Round-trip times to peers, taken from the leader's heartbeats: a heartbeat carries its confirmation round and the
 * peer's response echoes it, so a response is matched to the heartbeat it answers (a late answer to an older round
 * is ignored rather than measured against a newer send). Only a leader sends heartbeats, so only a leader measures.
 */
final class PeerRoundTrips {
    private record Sent(long round, long nanos) {
    }

    private final ConcurrentHashMap<Long, Sent> outstanding = new ConcurrentHashMap<>();
    private final BiConsumer<Long, Long> record; // (peer, nanos)

    PeerRoundTrips(BiConsumer<Long, Long> record) {
        this.record = record;
    }

    /** Raft thread. A heartbeat repeating the outstanding round keeps the first send time. */
    void sent(List<Message> messages, long now) {
        for (Message m : messages) {
            if (m.getType() != MessageType.MSG_HEARTBEAT) continue;
            outstanding.compute(m.getTo(), (peer, s) -> s != null && s.round() == m.getRound() ? s
                    : new Sent(m.getRound(), now));
        }
    }

    /** Transport thread. */
    void received(Message m, long now) {
        if (m.getType() != MessageType.MSG_HEARTBEAT_RESPONSE) return;
        Sent s = outstanding.get(m.getFrom());
        if (s == null || s.round() != m.getRound()) return;
        if (outstanding.remove(m.getFrom(), s)) record.accept(m.getFrom(), now - s.nanos());
    }
}
