package io.keel.server.grpc;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.grpc.Status;
import io.keel.server.Keel;
import io.keel.server.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.keel.server.grpc.JetcdCluster.await;
import static io.keel.server.grpc.JetcdCluster.bs;
import static io.keel.server.grpc.JetcdCluster.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * jetcd, the official Java etcd client, unchanged against a three-member Keel cluster (issues #5 and #7): KV, Txn,
 * Compact and its errors, Watch, Cluster.MemberList and Maintenance.Status. Writes go through a follower, so they
 * also cross Keel's forwarding; watches run on a different member than the writes. Lease: {@link JetcdLeaseTest}.
 */
class JetcdTest {
    @TempDir
    Path dir;
    JetcdCluster cluster;

    @BeforeEach
    void startCluster() {
        cluster = JetcdCluster.start(dir);
    }

    @AfterEach
    void stopCluster() {
        if (cluster != null) cluster.close();
    }

    @Test
    void putGetByPrefixAndRevisionThenDelete() {
        long follower = cluster.aFollower();
        KV kv = cluster.client(follower).getKVClient();

        long first = await(kv.put(bs("app/a"), bs("1"))).getHeader().getRevision();
        await(kv.put(bs("app/b"), bs("2")));
        await(kv.put(bs("other"), bs("x")));
        PutResponse overwrite = await(kv.put(bs("app/a"), bs("1b"), PutOption.builder().withPrevKV().build()));
        assertTrue(overwrite.hasPrevKv());
        assertEquals("1", str(overwrite.getPrevKv().getValue()));
        assertEquals(follower, overwrite.getHeader().getMemberId(), "answered by the member asked");
        assertEquals(cluster.member(follower).clusterId(), overwrite.getHeader().getClusterId());
        long last = overwrite.getHeader().getRevision();
        assertEquals(first + 3, last);

        GetResponse prefix = await(kv.get(bs("app/"), GetOption.builder().isPrefix(true).build()));
        assertEquals(2, prefix.getCount());
        assertEquals(List.of("app/a=1b", "app/b=2"), pairs(prefix.getKvs()));
        KeyValue a = prefix.getKvs().get(0);
        assertEquals(first, a.getCreateRevision());
        assertEquals(last, a.getModRevision());
        assertEquals(2, a.getVersion());
        assertEquals(last, prefix.getHeader().getRevision());

        GetResponse past = await(kv.get(bs("app/"), GetOption.builder().isPrefix(true).withRevision(first).build()));
        assertEquals(List.of("app/a=1"), pairs(past.getKvs()));

        GetResponse countOnly = await(kv.get(bs("app/"), GetOption.builder().isPrefix(true).withCountOnly(true).build()));
        assertEquals(2, countOnly.getCount());
        assertTrue(countOnly.getKvs().isEmpty());

        DeleteResponse deleted = await(kv.delete(bs("app/"),
                DeleteOption.builder().isPrefix(true).withPrevKV(true).build()));
        assertEquals(2, deleted.getDeleted());
        assertEquals(List.of("app/a=1b", "app/b=2"), pairs(deleted.getPrevKvs()));
        assertEquals(0, await(kv.get(bs("app/"), GetOption.builder().isPrefix(true).build())).getCount());
        assertEquals(List.of("other=x"), pairs(await(kv.get(bs("other"))).getKvs()));
        assertEquals(0, await(kv.delete(bs("app/a"))).getDeleted(), "deleting a missing key deletes nothing");

        // Another member, asked linearizably, sees what the follower answered.
        long elsewhere = follower == 3 ? 1 : 3;
        GetResponse there = await(cluster.client(elsewhere).getKVClient().get(bs("other")));
        assertEquals(List.of("other=x"), pairs(there.getKvs()));
        assertEquals(elsewhere, there.getHeader().getMemberId());
    }

    @Test
    void txnCompareAndSetTakesEachBranch() {
        KV kv = cluster.client(cluster.aFollower()).getKVClient();
        long created = await(kv.put(bs("lock"), bs("free"))).getHeader().getRevision();

        TxnResponse taken = await(kv.txn()
                .If(new Cmp(bs("lock"), Cmp.Op.EQUAL, CmpTarget.value(bs("free"))),
                        new Cmp(bs("lock"), Cmp.Op.EQUAL, CmpTarget.modRevision(created)))
                .Then(Op.put(bs("lock"), bs("mine"), PutOption.builder().withPrevKV().build()))
                .Else(Op.get(bs("lock"), GetOption.DEFAULT))
                .commit());
        assertTrue(taken.isSucceeded());
        assertEquals(1, taken.getPutResponses().size());
        assertEquals("free", str(taken.getPutResponses().get(0).getPrevKv().getValue()));
        assertTrue(taken.getGetResponses().isEmpty());
        assertEquals(created + 1, taken.getHeader().getRevision());

        TxnResponse refused = await(kv.txn()
                .If(new Cmp(bs("lock"), Cmp.Op.EQUAL, CmpTarget.value(bs("free"))))
                .Then(Op.put(bs("lock"), bs("theirs"), PutOption.DEFAULT))
                .Else(Op.get(bs("lock"), GetOption.DEFAULT))
                .commit());
        assertFalse(refused.isSucceeded());
        assertTrue(refused.getPutResponses().isEmpty());
        assertEquals(List.of("lock=mine"), pairs(refused.getGetResponses().get(0).getKvs()));
        assertEquals(created + 1, refused.getHeader().getRevision(), "a failed compare writes nothing");
        assertEquals(List.of("lock=mine"), pairs(await(kv.get(bs("lock"))).getKvs()));

        // A compare on a missing key's version (0) is how etcd clients create only if absent.
        TxnResponse createIfAbsent = await(kv.txn()
                .If(new Cmp(bs("fresh"), Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(bs("fresh"), bs("new"), PutOption.DEFAULT))
                .commit());
        assertTrue(createIfAbsent.isSucceeded());
        assertEquals(List.of("fresh=new"), pairs(await(kv.get(bs("fresh"))).getKvs()));
    }

    @Test
    void compactionMakesOlderRevisionsUnreadableWithEtcdsError() {
        Client client = cluster.client(cluster.aFollower());
        KV kv = client.getKVClient();
        long r1 = await(kv.put(bs("c"), bs("1"))).getHeader().getRevision();
        long r2 = await(kv.put(bs("c"), bs("2"))).getHeader().getRevision();
        long r3 = await(kv.put(bs("c"), bs("3"))).getHeader().getRevision();

        await(kv.compact(r2, CompactOption.builder().withCompactPhysical(true).build()));

        assertEtcdError(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted",
                assertThrows(RuntimeException.class,
                        () -> await(kv.get(bs("c"), GetOption.builder().withRevision(r1).build()))));
        assertEquals(List.of("c=2"), pairs(await(kv.get(bs("c"), GetOption.builder().withRevision(r2).build())).getKvs()),
                "the compacted revision itself stays readable");
        assertEquals(List.of("c=3"), pairs(await(kv.get(bs("c"))).getKvs()));

        assertEtcdError(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted",
                assertThrows(RuntimeException.class, () -> await(kv.compact(r2))));
        assertEtcdError(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision",
                assertThrows(RuntimeException.class,
                        () -> await(kv.get(bs("c"), GetOption.builder().withRevision(r3 + 100).build()))));

        // A watch from below the compaction is refused with the compacted revision, as jetcd expects of etcd.
        Recorder watched = new Recorder();
        try (Watch.Watcher ignored = cluster.client(cluster.awaitLeader().memberId()).getWatchClient()
                .watch(bs("c"), WatchOption.builder().withRevision(r1).build(), watched)) {
            Throwable error = watched.nextError();
            CompactedException compacted = assertInstanceOf(CompactedException.class, error);
            assertEquals(r2, compacted.getCompactedRevision());
        }
    }

    @Test
    void watchOnAPrefixSeesPutsAndDeletesInOrderWithPrevKv() {
        long follower = cluster.aFollower();
        long watcherMember = follower == 1 ? 3 : 1; // another member than the writes
        KV kv = cluster.client(follower).getKVClient();
        await(kv.put(bs("w/seed"), bs("0")));

        Recorder watched = new Recorder();
        try (Watch.Watcher ignored = cluster.client(watcherMember).getWatchClient().watch(bs("w/"),
                WatchOption.builder().isPrefix(true).withPrevKV(true).withCreateNotify(true).build(), watched)) {
            watched.awaitCreated();
            long r1 = await(kv.put(bs("w/a"), bs("1"))).getHeader().getRevision();
            await(kv.put(bs("outside"), bs("not watched")));
            await(kv.put(bs("w/a"), bs("2")));
            await(kv.delete(bs("w/seed")));
            TxnResponse txn = await(kv.txn().Then(
                    Op.put(bs("w/b"), bs("3"), PutOption.DEFAULT),
                    Op.delete(bs("w/a"), DeleteOption.DEFAULT)).commit());

            assertEvent(watched.nextEvent(), WatchEvent.EventType.PUT, "w/a", "1", r1, null);
            assertEvent(watched.nextEvent(), WatchEvent.EventType.PUT, "w/a", "2", r1 + 2, "1");
            assertEvent(watched.nextEvent(), WatchEvent.EventType.DELETE, "w/seed", "", r1 + 3, "0");
            long txnRevision = txn.getHeader().getRevision();
            assertEquals(r1 + 4, txnRevision);
            assertEvent(watched.nextEvent(), WatchEvent.EventType.PUT, "w/b", "3", txnRevision, null);
            assertEvent(watched.nextEvent(), WatchEvent.EventType.DELETE, "w/a", "", txnRevision, "2");
            assertNextIsMarker(watched, kv, "w/zz-marker");
        }
        assertTrue(watched.errors.isEmpty(), () -> "unexpected errors: " + watched.errors);
    }

    @Test
    void watchFromAPastRevisionReplaysThenFollows() {
        long follower = cluster.aFollower();
        KV kv = cluster.client(follower).getKVClient();
        long r1 = await(kv.put(bs("h/k"), bs("1"))).getHeader().getRevision();
        await(kv.put(bs("h/k"), bs("2")));
        await(kv.delete(bs("h/k")));
        await(kv.put(bs("h/l"), bs("3")));

        Recorder watched = new Recorder();
        try (Watch.Watcher ignored = cluster.client(cluster.awaitLeader().memberId()).getWatchClient().watch(bs("h/"),
                WatchOption.builder().isPrefix(true).withPrevKV(true).withRevision(r1 + 1).build(), watched)) {
            assertEvent(watched.nextEvent(), WatchEvent.EventType.PUT, "h/k", "2", r1 + 1, "1");
            assertEvent(watched.nextEvent(), WatchEvent.EventType.DELETE, "h/k", "", r1 + 2, "2");
            assertEvent(watched.nextEvent(), WatchEvent.EventType.PUT, "h/l", "3", r1 + 3, null);
            long live = await(kv.put(bs("h/k"), bs("4"))).getHeader().getRevision();
            assertEvent(watched.nextEvent(), WatchEvent.EventType.PUT, "h/k", "4", live, null);
            assertNextIsMarker(watched, kv, "h/zz-marker");
        }
    }

    @Test
    void memberListAndStatusOfEachMember() {
        Keel leader = cluster.awaitLeader();
        long asked = cluster.aFollower();
        Client client = cluster.client(asked);

        // Each member announces its name and client URL through Raft once its API serves: wait for all three.
        Poll.until("every member announced itself", () -> await(client.getClusterClient().listMember()).getMembers()
                .stream().allMatch(m -> !m.getName().isEmpty() && !m.getClientURIs().isEmpty()));
        List<Member> members = await(client.getClusterClient().listMember()).getMembers();
        assertEquals(Set.of(1L, 2L, 3L), members.stream().map(Member::getId).collect(Collectors.toSet()));
        for (Member m : members) {
            assertEquals(1, m.getPeerURIs().size(), m.getPeerURIs()::toString);
            URI peer = m.getPeerURIs().get(0);
            assertEquals("http", peer.getScheme());
            assertEquals(cluster.member(m.getId()).peerAddress().getPort(), peer.getPort());
            assertEquals(Long.toHexString(m.getId()), m.getName());
            assertEquals(List.of(URI.create(cluster.endpoint(m.getId()))), m.getClientURIs());
        }

        for (long id = 1; id <= 3; id++) {
            StatusResponse status = await(client.getMaintenanceClient().statusMember(cluster.endpoint(id)));
            assertEquals(id, status.getHeader().getMemberId(), "statusMember asks the member it names");
            assertEquals(leader.memberId(), status.getLeader());
            assertEquals(MaintenanceService.API_VERSION, status.getVersion());
            assertTrue(status.getRaftTerm() > 0);
            assertTrue(status.getRaftIndex() > 0);
            assertTrue(status.getDbSize() > 0);
        }
    }

    /**
     * etcd's MoveLeader, as an operator moves the leader off a member before stopping it: sent to the leader, it
     * returns once the target leads, and every member then knows the new leader. A follower refuses it with etcd's
     * "not leader", and a target that is no member with "bad leader transferee".
     */
    @Test
    void moveLeaderHandsLeadershipToTheTarget() throws Exception {
        Keel leader = cluster.awaitLeader();
        long target = cluster.aFollower();
        Client atLeader = cluster.client(leader.memberId());

        await(atLeader.getMaintenanceClient().moveLeader(target));
        assertEquals(target, leader.leaderId(), "the old leader follows the target when MoveLeader returns");
        Poll.until("every member knows the new leader", () -> cluster.awaitLeader().memberId() == target);
        assertEquals("after the move", putAndGet(cluster.client(target), "moved/k", "after the move"),
                "the new leader takes writes");

        long follower = leader.memberId(); // the old leader, now following
        ExecutionException notLeader = assertThrows(ExecutionException.class, () -> atLeader.getMaintenanceClient()
                .moveLeader(target).get(JetcdCluster.DEADLINE.toSeconds(), TimeUnit.SECONDS));
        assertTrue(String.valueOf(notLeader.getCause()).contains("etcdserver: not leader"),
                "sent to a follower (" + Long.toHexString(follower) + "): " + notLeader.getCause());
        ExecutionException bad = assertThrows(ExecutionException.class, () -> cluster.client(target)
                .getMaintenanceClient().moveLeader(99).get(JetcdCluster.DEADLINE.toSeconds(), TimeUnit.SECONDS));
        assertTrue(String.valueOf(bad.getCause()).contains("etcdserver: bad leader transferee"),
                String.valueOf(bad.getCause()));
        assertEquals(target, cluster.awaitLeader().memberId(), "a refused move changes nothing");

        // The operator's way (docs/operations.md): etcdctl finds the leader among the endpoints and asks it.
        String endpoints = cluster.endpoint(1) + "," + cluster.endpoint(2) + "," + cluster.endpoint(3);
        String out = new Etcdctl(dir, endpoints).ok(null, "move-leader", Long.toHexString(follower));
        assertEquals("Leadership transferred from " + Long.toHexString(target) + " to " + Long.toHexString(follower),
                out.trim());
        assertEquals(follower, cluster.awaitLeader().memberId());
    }

    private static String putAndGet(Client client, String key, String value) {
        await(client.getKVClient().put(bs(key), bs(value)));
        return str(await(client.getKVClient().get(bs(key))).getKvs().get(0).getValue());
    }

    /**
     * Nothing unexpected arrived: a marker written under the watched prefix is the very next event (a watch
     * delivers in revision order, so anything else would come before it).
     */
    private static void assertNextIsMarker(Recorder watched, KV kv, String marker) {
        long revision = await(kv.put(bs(marker), bs("end"))).getHeader().getRevision();
        assertEvent(watched.nextEvent(), WatchEvent.EventType.PUT, marker, "end", revision, null);
    }

    private static void assertEvent(WatchEvent e, WatchEvent.EventType type, String key, String value, long modRevision,
                                    String prevValue) {
        String what = describe(e);
        assertEquals(type, e.getEventType(), what);
        assertEquals(key, str(e.getKeyValue().getKey()), what);
        assertEquals(value, str(e.getKeyValue().getValue()), what);
        assertEquals(modRevision, e.getKeyValue().getModRevision(), what);
        if (prevValue == null) {
            // jetcd maps an absent prev_kv to an empty KeyValue.
            assertTrue(e.getPrevKV() == null || e.getPrevKV().getKey().isEmpty(), what);
        } else {
            assertEquals(key, str(e.getPrevKV().getKey()), what);
            assertEquals(prevValue, str(e.getPrevKV().getValue()), what);
        }
    }

    private static String describe(WatchEvent e) {
        if (e == null) return "none";
        KeyValue prev = e.getPrevKV();
        return e.getEventType() + " " + str(e.getKeyValue().getKey()) + "=" + str(e.getKeyValue().getValue())
                + " @" + e.getKeyValue().getModRevision()
                + (prev == null || prev.getKey().isEmpty() ? "" : " prev=" + str(prev.getValue()));
    }

    /**
     * jetcd hands a failed KV call's gRPC status to the application as it came (a StatusRuntimeException, or an
     * EtcdException carrying it): etcd's code and exact text must be there.
     */
    private static void assertEtcdError(Status.Code code, String text, RuntimeException thrown) {
        Status status = Status.fromThrowable(thrown);
        assertEquals(code, status.getCode(), thrown::toString);
        assertEquals(text, status.getDescription(), thrown::toString);
        if (thrown instanceof EtcdException e) assertEquals(ErrorCode.valueOf(code.name()), e.getErrorCode());
    }

    private static List<String> pairs(List<KeyValue> kvs) {
        return kvs.stream().map(kv -> str(kv.getKey()) + "=" + str(kv.getValue())).toList();
    }

    private static <T> T assertInstanceOf(Class<T> type, Throwable t) {
        if (!type.isInstance(t)) fail("expected " + type.getSimpleName() + ", got " + t, t);
        return type.cast(t);
    }

    /** A jetcd watch listener that keeps what it is told, for the test thread to take with a deadline. */
    static final class Recorder implements Watch.Listener {
        final BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
        final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
        private final BlockingQueue<WatchResponse> created = new LinkedBlockingQueue<>();

        @Override
        public void onNext(WatchResponse response) {
            if (response.isCreatedNotify()) created.add(response);
            events.addAll(response.getEvents());
        }

        @Override
        public void onError(Throwable throwable) {
            errors.add(throwable);
        }

        @Override
        public void onCompleted() {
        }

        void awaitCreated() {
            if (take(created) == null) fail("the watch was not created within " + JetcdCluster.DEADLINE.toSeconds() + " s; errors: " + errors);
        }

        WatchEvent nextEvent() {
            WatchEvent e = take(events);
            if (e == null) fail("no event within " + JetcdCluster.DEADLINE.toSeconds() + " s; errors: " + errors);
            return e;
        }

        Throwable nextError() {
            Throwable t = take(errors);
            if (t == null) fail("no error within " + JetcdCluster.DEADLINE.toSeconds() + " s; events: " + events);
            return t;
        }

        private static <T> T take(BlockingQueue<T> q) {
            try {
                return q.poll(JetcdCluster.DEADLINE.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
