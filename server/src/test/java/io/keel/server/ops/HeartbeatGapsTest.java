package io.keel.server.ops;

import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** etcd's heartbeat send failures: a heartbeat to a peer more than the allowed gap after the previous one. */
class HeartbeatGapsTest {
    private static final long MS = 1_000_000;

    @Test
    void countsHeartbeatsSentLaterThanTheGapAfterThePreviousToTheSamePeer() {
        HeartbeatGaps gaps = new HeartbeatGaps();
        long max = 200 * MS; // two heartbeat intervals of 100 ms
        assertEquals(0, gaps.late(List.of(heartbeat(2), heartbeat(3)), 0, max), "the first ones are on time");
        assertEquals(0, gaps.late(List.of(heartbeat(2), heartbeat(3), append(2)), 100 * MS, max));
        // Peer 2 waits 250 ms for its next heartbeat (late); peer 3 got one at 100 ms and now at 290 ms (on time).
        assertEquals(1, gaps.late(List.of(heartbeat(2)), 350 * MS, max));
        assertEquals(0, gaps.late(List.of(heartbeat(3)), 290 * MS, max));
        // Appends are not heartbeats, however late.
        assertEquals(0, gaps.late(List.of(append(2)), 10_000 * MS, max));
        // A role, term or leader change starts afresh (etcd resets its detector).
        gaps.reset();
        assertEquals(0, gaps.late(List.of(heartbeat(2), heartbeat(3)), 20_000 * MS, max));
        assertEquals(2, gaps.late(List.of(heartbeat(2), heartbeat(3)), 20_500 * MS, max));
    }

    private static Message heartbeat(long to) {
        return Message.newBuilder().setType(MessageType.MSG_HEARTBEAT).setTo(to).build();
    }

    private static Message append(long to) {
        return Message.newBuilder().setType(MessageType.MSG_APPEND).setTo(to).build();
    }
}
