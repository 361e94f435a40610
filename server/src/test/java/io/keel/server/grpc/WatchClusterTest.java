package io.keel.server.grpc;

import io.keel.server.cli.FreePorts;
import io.keel.server.KeelException;
import io.keel.server.Keel;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.LeaseGrpc;
import io.keel.server.etcd.proto.LeaseKeepAliveRequest;
import io.keel.server.etcd.proto.LeaseKeepAliveResponse;
import io.keel.server.etcd.proto.WatchCreateRequest;
import io.keel.server.etcd.proto.WatchResponse;
import io.keel.server.etcd.proto.mvcc.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

import static io.keel.server.grpc.WatchClient.bs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Watches in a three-member cluster, each member serving etcd's API: on a follower, across the loss of the leader
 * and across a member restart, a client resuming from its last revision + 1 misses nothing and sees nothing twice;
 * a write that never commits is never seen; and streams that require a leader (watch and lease keep-alive) end when
 * their member loses its quorum.
 */
class WatchClusterTest {
    @TempDir
    Path dir;
    final Map<Long, InetSocketAddress> peers = new LinkedHashMap<>();
    final Keel[] members = new Keel[3];
    final EtcdGrpcServer[] servers = new EtcdGrpcServer[3];
    final List<io.grpc.ManagedChannel> channels = new ArrayList<>();

    Keel start(long id, Duration requestTimeout) {
        if (peers.isEmpty()) for (long i = 1; i <= 3; i++) peers.put(i, FreePorts.loopback());
        Keel k = Keel.builder().id(id).dataDir(dir.resolve("member-" + id)).listen(peers.get(id))
                .initialCluster(peers).initialClusterToken("watch-cluster-test")
                .tickInterval(Duration.ofMillis(10)).electionTimeout(Duration.ofMillis(800))
                .heartbeatInterval(Duration.ofMillis(80)).requestTimeout(requestTimeout).start();
        members[(int) id - 1] = k;
        servers[(int) id - 1] = EtcdGrpcServer.start(k, new InetSocketAddress("127.0.0.1", 0));
        return k;
    }

    void startAll() {
        for (long id = 1; id <= 3; id++) start(id, Duration.ofSeconds(10));
    }

    void stop(long id) {
        int i = (int) id - 1;
        if (servers[i] != null) servers[i].close();
        servers[i] = null;
        if (members[i] != null) members[i].close();
        members[i] = null;
    }

    WatchClient watchClient(long id) {
        io.grpc.ManagedChannel c = io.grpc.ManagedChannelBuilder
                .forAddress("127.0.0.1", servers[(int) id - 1].port()).usePlaintext().build();
        channels.add(c);
        return new WatchClient(c);
    }

    /** A channel whose calls carry metadata hasleader=true, as clientv3.WithRequireLeader (and etcdctl watch) sends. */
    io.grpc.Channel channelRequiringLeader(long id) {
        io.grpc.ManagedChannel c = io.grpc.ManagedChannelBuilder
                .forAddress("127.0.0.1", servers[(int) id - 1].port()).usePlaintext().build();
        channels.add(c);
        io.grpc.Metadata hasLeader = new io.grpc.Metadata();
        hasLeader.put(io.grpc.Metadata.Key.of("hasleader", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "true");
        return io.grpc.ClientInterceptors.intercept(c,
                io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(hasLeader));
    }

    @AfterEach
    void stopAll() {
        channels.forEach(io.grpc.ManagedChannel::shutdownNow);
        for (long id = 1; id <= 3; id++) stop(id);
    }

    Keel awaitLeader() {
        Keel[] leader = new Keel[1];
        Poll.until("one leader known to every running member", () -> {
            List<Keel> running = java.util.Arrays.stream(members).filter(java.util.Objects::nonNull).toList();
            List<Keel> leaders = running.stream().filter(Keel::isLeader).toList();
            if (leaders.size() != 1) return false;
            leader[0] = leaders.get(0);
            return running.stream().allMatch(k -> k.leaderId() == leader[0].memberId());
        });
        return leader[0];
    }

    /** Puts through whichever member leads, until one attempt is acknowledged. */
    long put(String key, String value) {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                return awaitLeader().put(key, value).revision();
            } catch (KeelException e) {
                if (!e.retryable() || System.nanoTime() - end > 0) throw e;
                LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            }
        }
    }

    static WatchCreateRequest.Builder prefix(String p, long startRevision) {
        return WatchCreateRequest.newBuilder().setKey(bs(p)).setRangeEnd(bs(p.substring(0, p.length() - 1)
                + (char) (p.charAt(p.length() - 1) + 1))).setStartRevision(startRevision);
    }

    /** Events from the watch until one at or past {@code revision}. */
    static List<Event> eventsThrough(WatchClient w, long watchId, long revision) {
        List<Event> out = new ArrayList<>();
        while (out.isEmpty() || out.get(out.size() - 1).getKv().getModRevision() < revision) {
            WatchResponse r = w.next();
            if (r.getWatchId() != watchId || r.getCanceled()) fail("unexpected " + r);
            out.addAll(r.getEventsList());
        }
        return out;
    }

    /**
     * In order, no revision twice, and none missing: every key's versions (a retried put may have applied twice)
     * add up to the number of events.
     */
    void assertExactlyTheWrites(List<Event> events, String prefix, int keys, Keel reader) {
        Set<Long> revisions = new HashSet<>();
        long previous = 0;
        for (Event e : events) {
            long rev = e.getKv().getModRevision();
            assertTrue(rev > previous, "revision order: " + rev + " after " + previous);
            assertTrue(revisions.add(rev), "revision " + rev + " twice");
            previous = rev;
        }
        long versions = 0;
        for (int i = 0; i < keys; i++) {
            versions += reader.getKeyValue(prefix + i, true).orElseThrow().version();
        }
        assertEquals(versions, events.size(), "one event per applied put");
    }

    @Test
    void aWatchOnAFollowerSurvivesTheLossOfTheLeaderByResumingFromItsLastRevision() {
        startAll();
        Keel leader = awaitLeader();
        long followerId = leader.memberId() % 3 + 1;
        long first = put("lc/0", "v0");

        // On a follower: it sees what it has applied, in order.
        try (WatchClient onFollower = watchClient(followerId)) {
            WatchResponse created = onFollower.create(prefix("lc/", first));
            assertEquals(followerId, created.getHeader().getMemberId());
            long last = 0;
            for (int i = 1; i < 10; i++) last = put("lc/" + i, "v" + i);
            List<Event> seen = eventsThrough(onFollower, created.getWatchId(), last);
            assertEquals(10, seen.size());
        }

        // On the leader, which goes away mid-watch; the client resumes on another member.
        List<Event> all = new ArrayList<>();
        long leaderId = awaitLeader().memberId();
        try (WatchClient onLeader = watchClient(leaderId)) {
            long id = onLeader.create(prefix("lc/", first)).getWatchId();
            for (int i = 10; i < 20; i++) put("lc/" + i, "v" + i);
            all.addAll(onLeader.events(id, 1)); // at least the first response, maybe more
            stop(leaderId);
        }
        long resumeFrom = all.get(all.size() - 1).getKv().getModRevision() + 1;
        long last = 0;
        for (int i = 20; i < 30; i++) last = put("lc/" + i, "v" + i);
        long other = leaderId % 3 + 1;
        try (WatchClient resumed = watchClient(other)) {
            WatchResponse created = resumed.create(prefix("lc/", resumeFrom));
            all.addAll(eventsThrough(resumed, created.getWatchId(), last));
        }
        assertExactlyTheWrites(all, "lc/", 30, members[(int) other - 1]);
        assertEquals(first, all.get(0).getKv().getModRevision());
    }

    /**
     * etcd's leader monitor: a member that lost its quorum ends the streams that require a leader with UNAVAILABLE
     * "no leader" (after three election timeouts without one), so their clients move on; other streams stay open.
     */
    @Test
    void aStreamThatRequiresALeaderEndsWithNoLeaderWhenItsMemberLosesTheQuorum() throws InterruptedException {
        startAll();
        Poll.until("member 1 knows a leader", () -> members[0].leaderId() != 0);
        WatchClient required = new WatchClient(channelRequiringLeader(1));
        required.create(WatchCreateRequest.newBuilder().setKey(bs("config/master")));
        WatchClient plain = watchClient(1);
        plain.create(WatchCreateRequest.newBuilder().setKey(bs("config/master")));

        stop(2);
        stop(3);
        Object end = required.nextRaw(); // within 30 s; etcd's rule ends it after about 3 × 0.8 s
        io.grpc.StatusRuntimeException e = assertInstanceOf(io.grpc.StatusRuntimeException.class, end,
                "the stream that requires a leader ends with an error: " + end);
        assertEquals(io.grpc.Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals(EtcdStatus.NO_LEADER, e.getStatus().getDescription());
        assertEquals(0, members[0].leaderId(), "it ended while member 1 knew no leader");
        assertTrue(plain.nothingWaiting(), "a stream that does not require a leader stays open");
    }

    /** The same rule for a lease keep-alive stream that requires a leader (etcd ends those too). */
    @Test
    void aKeepAliveStreamThatRequiresALeaderEndsWithNoLeaderWhenItsMemberLosesTheQuorum() throws Exception {
        startAll();
        Poll.until("member 1 knows a leader", () -> members[0].leaderId() != 0);
        long lease = members[0].grantLease(0, 60).id();
        QueueingObserver<LeaseKeepAliveRequest, LeaseKeepAliveResponse> answers = new QueueingObserver<>();
        io.grpc.stub.StreamObserver<LeaseKeepAliveRequest> keepAlives = LeaseGrpc.newStub(channelRequiringLeader(1))
                .leaseKeepAlive(answers);
        keepAlives.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
        Object first = answers.poll(30);
        assertEquals(60, assertInstanceOf(LeaseKeepAliveResponse.class, first, "a keep-alive answer: " + first)
                .getTTL());

        stop(2);
        stop(3);
        Object end = answers.poll(30);
        io.grpc.StatusRuntimeException e = assertInstanceOf(io.grpc.StatusRuntimeException.class, end,
                "the keep-alive stream ends with an error, with nothing sent on it: " + end);
        assertEquals(io.grpc.Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals(EtcdStatus.NO_LEADER, e.getStatus().getDescription());
    }

    @Test
    void aClientResumesOnARestartedMemberFromItsLastRevision() {
        startAll();
        Keel leader = awaitLeader();
        long restartId = leader.memberId() % 3 + 1; // a follower, so the cluster keeps its quorum and leader
        long first = put("rs/0", "v0");
        List<Event> all = new ArrayList<>();
        try (WatchClient w = watchClient(restartId)) {
            long id = w.create(prefix("rs/", first)).getWatchId();
            long last = 0;
            for (int i = 1; i < 10; i++) last = put("rs/" + i, "v" + i);
            all.addAll(eventsThrough(w, id, last));
        }
        stop(restartId);
        for (int i = 10; i < 20; i++) put("rs/" + i, "v" + i); // made while the member is down
        Keel restarted = start(restartId, Duration.ofSeconds(10));
        long last = 0;
        for (int i = 20; i < 25; i++) last = put("rs/" + i, "v" + i);
        try (WatchClient w = watchClient(restartId)) {
            long id = w.create(prefix("rs/", all.get(all.size() - 1).getKv().getModRevision() + 1)).getWatchId();
            all.addAll(eventsThrough(w, id, last));
        }
        assertExactlyTheWrites(all, "rs/", 25, restarted);
    }

    @Test
    void aWriteThatNeverCommitsIsNeverWatched() {
        startAll();
        Keel leader = awaitLeader();
        long before = put("uc/committed", "yes");
        try (WatchClient w = watchClient(leader.memberId())) {
            long id = w.create(prefix("uc/", before)).getWatchId();
            assertEquals(before, w.events(id, 1).get(0).getKv().getModRevision());
            for (long other = 1; other <= 3; other++) if (other != leader.memberId()) stop(other);
            // Without a quorum the entry is appended to the leader's log but never commits, so never applies.
            assertThrows(KeelException.class, () -> leader.put("uc/uncommitted", "no"));
            w.requestProgress();
            WatchResponse progress = w.next();
            assertEquals(-1, progress.getWatchId(), () -> "expected only the progress answer, got " + progress);
            assertEquals(before, progress.getHeader().getRevision());
            assertFalse(leader.get("uc/uncommitted", true).isPresent());
        }
    }
}
