package io.keel.server.cli;

import io.grpc.StatusRuntimeException;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.mvcc.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.keel.server.cli.ProcessCluster.DEADLINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #7: a leader kill -9 during a running watch. Three launcher processes; a writer puts a new key every few
 * milliseconds through all three members while a client watches the prefix on the leader. The leader is killed
 * with kill -9 mid-stream; the client resumes on a survivor from its last event's revision + 1 while the writes go
 * on. What the client saw in total must be exactly the history a fresh watch from revision 1 reads on the other
 * survivor: the same events, in revision order, none missing, none repeated.
 */
@ExtendWith(MemberOutputOnFailure.class)
class LeaderKillWatchTest {
    private static final String PREFIX = "kw/";

    @RegisterExtension
    final CloseAfterEach closing = new CloseAfterEach();

    @Test
    void aWatchOnAKilledLeaderResumesOnASurvivorWithNothingMissingOrRepeated(@TempDir Path dir) throws Exception {
        ProcessCluster cluster = closing.add(ProcessCluster.start(dir, "kill-watch", "w1", "w2", "w3"));
        MemberProcess leader = ProcessCluster.awaitLeaderKnownToAll(cluster.members);
        List<MemberProcess> survivors = cluster.others(leader);

        PrefixWatch onLeader = closing.add(new PrefixWatch(leader.channel, leader.name + " (leader)", PREFIX, 1))
                .awaitCreated();
        UniqueKeyWriter writer = closing.add(new UniqueKeyWriter(PREFIX, cluster.members)).start();
        Poll.until("the watch on the leader delivers 50 events", DEADLINE, () -> {
            onLeader.assertOpen();
            return onLeader.count() >= 50;
        });

        int acknowledgedBeforeKill = writer.acknowledgedCount();
        leader.kill9();
        Poll.until("the watch stream on the killed leader ends", DEADLINE, () -> onLeader.end() != null);
        assertInstanceOf(Throwable.class, onLeader.end(), "a killed member's stream fails, it does not complete");
        List<Event> seen = new ArrayList<>(onLeader.events());

        // The survivors elect a leader and take writes (through either of them) while the client is away.
        Poll.until("the survivors acknowledge 50 writes after the kill", DEADLINE,
                () -> writer.acknowledgedCount() >= acknowledgedBeforeKill + 50);

        long resumeFrom = seen.get(seen.size() - 1).getKv().getModRevision() + 1;
        MemberProcess resumeAt = survivors.get(0);
        PrefixWatch resumed = closing.add(new PrefixWatch(resumeAt.channel, resumeAt.name + " (resumed)", PREFIX,
                resumeFrom)).awaitCreated();
        int acknowledgedAtResume = writer.acknowledgedCount();
        Poll.until("the writer goes on for 50 more writes while the resumed watch runs", DEADLINE,
                () -> writer.acknowledgedCount() >= acknowledgedAtResume + 50);
        writer.close();

        // Everything is under the prefix, so the store's revision now is the last write's.
        long last = revisionAt(resumeAt);
        resumed.awaitThrough(last, DEADLINE);
        resumed.assertOpen();
        for (Event e : resumed.events()) if (e.getKv().getModRevision() <= last) seen.add(e);

        MemberProcess other = survivors.get(1);
        PrefixWatch fresh = closing.add(new PrefixWatch(other.channel, other.name + " (from revision 1)", PREFIX, 1))
                .awaitCreated();
        fresh.awaitThrough(last, DEADLINE);
        List<Event> history = fresh.events().stream().filter(e -> e.getKv().getModRevision() <= last).toList();

        assertStrictlyIncreasing(seen, "the resumed client's events");
        assertEquals(history.stream().map(PrefixWatch::describe).toList(),
                seen.stream().map(PrefixWatch::describe).toList(),
                "the client's events, across the kill and the resume, are exactly the history");
        assertTheHistoryIsTheWrites(history, writer);
        assertTrue(onLeader.count() > 0 && resumed.count() > 0, "both watches delivered events");
    }

    /** Every write applied at most once, none applied unattempted, every acknowledged one at its revision. */
    private static void assertTheHistoryIsTheWrites(List<Event> history, UniqueKeyWriter writer) {
        assertStrictlyIncreasing(history, "the history");
        Set<String> attempted = writer.attempted();
        Set<String> keys = new HashSet<>();
        long previous = history.get(0).getKv().getModRevision() - 1;
        for (Event e : history) {
            String key = e.getKv().getKey().toStringUtf8();
            assertEquals(Event.EventType.PUT, e.getType(), PrefixWatch.describe(e));
            assertTrue(attempted.contains(key), "a write nobody attempted: " + PrefixWatch.describe(e));
            assertTrue(keys.add(key), "a write applied twice: " + PrefixWatch.describe(e));
            assertEquals(1, e.getKv().getVersion(), "a write applied twice: " + PrefixWatch.describe(e));
            assertEquals(previous + 1, e.getKv().getModRevision(), "every revision is one of these puts");
            previous = e.getKv().getModRevision();
        }
        for (Map.Entry<String, Long> ack : writer.acknowledged().entrySet()) {
            Event e = history.stream().filter(h -> h.getKv().getKey().toStringUtf8().equals(ack.getKey()))
                    .findFirst().orElseThrow(() -> new AssertionError("an acknowledged write is missing from the"
                            + " history: " + ack.getKey() + " at revision " + ack.getValue()));
            assertEquals(ack.getValue(), e.getKv().getModRevision(), "the acknowledged revision of " + ack.getKey());
        }
    }

    private static void assertStrictlyIncreasing(List<Event> events, String what) {
        assertTrue(!events.isEmpty(), what + " is empty");
        for (int i = 1; i < events.size(); i++) {
            long before = events.get(i - 1).getKv().getModRevision();
            long now = events.get(i).getKv().getModRevision();
            assertTrue(now > before, what + ": revision " + now + " after " + before
                    + (now == before ? " (repeated)" : " (out of order)"));
        }
    }

    /** The store revision at {@code m}, read linearizably (retried while the cluster settles). */
    private static long revisionAt(MemberProcess m) {
        long[] revision = new long[1];
        Poll.until("a linearizable read at " + m.name, DEADLINE, () -> {
            try {
                revision[0] = KVGrpc.newBlockingStub(m.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .range(RangeRequest.newBuilder().setKey(PrefixWatch.utf8(PREFIX))
                                .setRangeEnd(PrefixWatch.prefixEnd(PREFIX)).setCountOnly(true).build())
                        .getHeader().getRevision();
                return true;
            } catch (StatusRuntimeException e) {
                return false;
            }
        });
        return revision[0];
    }
}
