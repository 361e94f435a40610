package io.keel.raft.scenario;

import io.keel.raft.ProposeResult;
import io.keel.raft.Role;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flow control over many proposals, written against {@link ScenarioCluster} directly because loops are clumsy in
 * the script language. Rule under test: the in-flight window (RaftConfig.withLimits, Progress.isPaused and
 * Inflights), in messages and in bytes, bounds what a leader has on the wire to a follower that does not answer,
 * however many proposals arrive; and everything still arrives, in order, once the follower answers.
 */
class FlowControlScenarioTest {
    private static final long MS = ScenarioCluster.MS;

    private static ScenarioCluster electedCluster(ScenarioCluster.Options options) {
        ScenarioCluster c = new ScenarioCluster(options, 1, 2, 3);
        c.tick(c.ids(), 1000 * MS, 10 * MS);
        c.campaign(1, 10 * MS);
        c.stabilize();
        c.run(300 * MS, 10 * MS);
        assertEquals(Role.LEADER, c.node(1).role());
        return c;
    }

    private static ScenarioCluster.Options withLimits(int inflight, long inflightBytes) {
        ScenarioCluster.Options d = ScenarioCluster.Options.defaults();
        return new ScenarioCluster.Options(d.electionTimeout(), d.heartbeatInterval(), d.readMode(), inflight,
                inflightBytes, d.maxMessageBytes(), d.maxUncommittedBytes(), d.maxClockDrift(), d.seedOffset());
    }

    /** Appends carrying entries on the wire to {@code to} (empty ones, carrying only the commit index, take no slot). */
    private static List<Message> appendsTo(ScenarioCluster c, long to) {
        return c.queued(e -> e.to() == to && e.message().getType() == MessageType.MSG_APPEND
                && e.message().getEntriesCount() > 0).stream().map(ScenarioCluster.Envelope::message).toList();
    }

    @Test
    void aSilentFollowerNeverHasMoreThanTheWindowInFlight() {
        ScenarioCluster c = electedCluster(withLimits(4, 0));
        c.cut(2, 1); // member 2 receives but its answers are lost
        for (int i = 0; i < 50; i++) {
            // One proposal per Ready: each could go out as its own append.
            ProposeResult r = c.propose(1, List.of("k" + i + "=" + i)).get(0);
            assertTrue(r.isAccepted(), r.toString());
            assertTrue(appendsTo(c, 2).size() <= 4, "appends on the wire to 2: " + appendsTo(c, 2).size());
            c.deliver(e -> e.to() == 3 || e.from() == 3, Integer.MAX_VALUE); // member 3 keeps up
        }
        c.deliver(e -> e.from() == 3, Integer.MAX_VALUE); // its last acknowledgement
        assertEquals(4, appendsTo(c, 2).size());
        assertEquals(4, c.node(1).progress(2).inflights().count());
        assertEquals(52, c.node(1).log().committed()); // 1 and 3 commit everything
        // Member 2 answers again: the leader notices the stall on the next heartbeats, and everything arrives.
        c.heal();
        c.run(500 * MS, 10 * MS);
        assertEquals(52, c.node(2).log().committed());
        assertEquals("49", c.member(2).kv().get("k49"));
        assertEquals(c.member(1).kv(), c.member(2).kv());
    }

    @Test
    void theWindowAlsoCountsBytes() {
        // 10 bytes in flight at most: 4-byte proposals ("a0=0"), so the third append fills the window (12 >= 10).
        ScenarioCluster c = electedCluster(withLimits(256, 10));
        c.cut(2, 1);
        for (int i = 0; i < 10; i++) {
            c.propose(1, List.of("a" + i + "=" + i));
        }
        List<Message> appends = appendsTo(c, 2);
        assertEquals(3, appends.size(), appends.toString());
        assertEquals(Set.of(1), appends.stream().map(Message::getEntriesCount).collect(Collectors.toSet()));
        assertEquals(12, c.node(1).progress(2).inflights().bytes());
    }
}
