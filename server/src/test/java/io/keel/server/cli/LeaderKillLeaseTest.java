package io.keel.server.cli;

import io.grpc.StatusRuntimeException;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.LeaseGrantRequest;
import io.keel.server.etcd.proto.LeaseGrantResponse;
import io.keel.server.etcd.proto.LeaseGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.RangeResponse;
import io.keel.server.etcd.proto.mvcc.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import static io.keel.server.cli.ProcessCluster.DEADLINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #7: a leader kill -9 while leases with short TTLs are kept alive. Three launcher processes (election
 * timeout 1 s, so etcd's minimum TTL is 2 s); leases of {@value #TTL} s with keys attached are kept alive over a
 * LeaseKeepAlive stream at a follower, as etcd's Go client keeps them, while a watch on the other follower records
 * every change. The leader is killed with kill -9; for several TTLs after the survivors elect a new one, every key
 * stays and no DELETE ever happens. Then the keep-alives stop, and the new leader expires every lease: all keys go.
 */
@ExtendWith(MemberOutputOnFailure.class)
class LeaderKillLeaseTest {
    private static final long TTL = 3;
    private static final int LEASES = 3;
    private static final int KEYS_PER_LEASE = 2;
    private static final String PREFIX = "kl/";
    /** Keep-alives answered per lease after the failover: at one per TTL/3, about four TTLs. */
    private static final int ANSWERS_AFTER_FAILOVER = 12;

    @RegisterExtension
    final CloseAfterEach closing = new CloseAfterEach();

    @Test
    void leasesKeptAliveAtASurvivorLoseNoKeyAcrossALeaderKillAndStillExpireAfterwards(@TempDir Path dir)
            throws Exception {
        ProcessCluster cluster = closing.add(ProcessCluster.start(dir, "kill-lease", "l1", "l2", "l3"));
        MemberProcess leader = ProcessCluster.awaitLeaderKnownToAll(cluster.members);
        List<MemberProcess> survivors = cluster.others(leader);
        MemberProcess keepAliveAt = survivors.get(0);
        MemberProcess watchAt = survivors.get(1);

        PrefixWatch watch = closing.add(new PrefixWatch(watchAt.channel, watchAt.name, PREFIX, 1)).awaitCreated();
        List<Long> leases = new ArrayList<>();
        Set<String> keys = new TreeSet<>();
        for (int i = 0; i < LEASES; i++) {
            LeaseGrantResponse granted = LeaseGrpc.newBlockingStub(keepAliveAt.channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(TTL)
                            .build());
            assertEquals(TTL, granted.getTTL(), "the TTL is at least etcd's minimum, so it is kept");
            leases.add(granted.getID());
        }
        // Kept alive before the keys are put: on a loaded machine the puts alone can take longer than the TTL, and a
        // lease nobody kept alive yet may rightly expire.
        long keepAlivesFrom = System.nanoTime();
        LeaseKeeper keeper = closing.add(new LeaseKeeper(keepAliveAt.channel, leases)).start();
        for (int i = 0; i < LEASES; i++) {
            for (int k = 0; k < KEYS_PER_LEASE; k++) {
                String key = PREFIX + i + "/" + k;
                KVGrpc.newBlockingStub(keepAliveAt.channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .put(PutRequest.newBuilder().setKey(PrefixWatch.utf8(key)).setValue(PrefixWatch.utf8("up"))
                                .setLease(leases.get(i)).build());
                keys.add(key);
            }
        }
        Poll.until("every lease is kept alive a few times", DEADLINE, () -> {
            assertNothingLost(keeper, watch, keepAlivesFrom, "the first keep-alive", 0);
            return keeper.fewestAnswers() >= 3;
        });

        long killedAt = System.nanoTime();
        leader.kill9();
        Poll.until("the survivors elect a new leader", DEADLINE, () -> {
            assertNothingLost(keeper, watch, killedAt, "the kill", 0);
            return ProcessCluster.leaderAmong(survivors).isPresent();
        });
        long newLeaderSeenAt = System.nanoTime();
        int answersAtFailover = keeper.fewestAnswers();
        Poll.until("every lease is kept alive " + ANSWERS_AFTER_FAILOVER + " more times after the failover",
                DEADLINE, () -> {
                    assertNothingLost(keeper, watch, killedAt, "the kill", newLeaderSeenAt);
                    return keeper.fewestAnswers() >= answersAtFailover + ANSWERS_AFTER_FAILOVER;
                });

        // Every key is there, and the watch, having delivered everything up to now, saw no DELETE.
        RangeResponse now = awaitRange(watchAt);
        assertEquals(keys, keysOf(now), "every key kept alive is there");
        watch.requestProgress();
        Poll.until("the watch confirms it delivered everything up to revision " + now.getHeader().getRevision(),
                DEADLINE, () -> {
                    watch.assertOpen();
                    return watch.progressRevision() >= now.getHeader().getRevision();
                });
        assertNothingLost(keeper, watch, killedAt, "the kill", newLeaderSeenAt);

        // Without keep-alives the new leader expires them all: each lease's keys go in one revision.
        keeper.close();
        Poll.until("the keys are deleted once their leases expire", DEADLINE,
                () -> Optional.ofNullable(rangeOrNull(watchAt)).map(r -> r.getKvsCount() == 0).orElse(false));
        Poll.until("the watch delivers a DELETE for every key", DEADLINE, () -> {
            watch.assertOpen();
            return deletes(watch).size() == keys.size();
        });
        List<Event> deletes = deletes(watch);
        assertEquals(keys, deletes.stream().map(e -> e.getKv().getKey().toStringUtf8())
                .collect(Collectors.toCollection(TreeSet::new)), "each key deleted once");
        assertEquals(LEASES, deletes.stream().map(e -> e.getKv().getModRevision()).distinct().count(),
                "one revision per expired lease");
    }

    /**
     * Fails at once if a lease was answered as gone or the watch saw a DELETE: a key was lost early. Times in the
     * message are relative to {@code reference} (named {@code referenceName}); the new leader was first seen at
     * {@code newLeaderSeenAt} (0: not yet).
     */
    private static void assertNothingLost(LeaseKeeper keeper, PrefixWatch watch, long reference,
            String referenceName, long newLeaderSeenAt) {
        watch.assertOpen();
        List<Event> deletes = deletes(watch);
        if (keeper.gone().isEmpty() && deletes.isEmpty()) return;
        long lossSeen = System.nanoTime();
        // Lost: before failing, give the keep-alive stream time to end, so the message can name its outcome.
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (keeper.streamFailures().isEmpty() && System.nanoTime() - end < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // a poll interval
        }
        String when = "the loss seen " + TimeUnit.NANOSECONDS.toMillis(lossSeen - reference) + " ms after "
                + referenceName + (newLeaderSeenAt == 0 ? "" : ", new leader seen "
                        + TimeUnit.NANOSECONDS.toMillis(newLeaderSeenAt - reference) + " ms after it")
                + "; " + keeper.describe(reference);
        assertTrue(keeper.gone().isEmpty(), "leases gone while kept alive: " + keeper.gone() + "; " + when);
        assertTrue(deletes.isEmpty(), "keys deleted while their leases were kept alive: "
                + deletes.stream().map(PrefixWatch::describe).toList() + "; " + when);
    }

    private static List<Event> deletes(PrefixWatch watch) {
        return watch.events().stream().filter(e -> e.getType() == Event.EventType.DELETE).toList();
    }

    private static Set<String> keysOf(RangeResponse r) {
        return r.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static RangeResponse awaitRange(MemberProcess m) {
        RangeResponse[] r = new RangeResponse[1];
        Poll.until("a linearizable read at " + m.name, DEADLINE, () -> (r[0] = rangeOrNull(m)) != null);
        return r[0];
    }

    /** The prefix read linearizably at {@code m}; null when it cannot answer now. */
    private static RangeResponse rangeOrNull(MemberProcess m) {
        try {
            return KVGrpc.newBlockingStub(m.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .range(RangeRequest.newBuilder().setKey(PrefixWatch.utf8(PREFIX))
                            .setRangeEnd(PrefixWatch.prefixEnd(PREFIX)).build());
        } catch (StatusRuntimeException e) {
            return null;
        }
    }
}
