package io.keel.server;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.keel.server.etcd.proto.LeaseGrantRequest;
import io.keel.server.etcd.proto.LeaseGrpc;
import io.keel.server.etcd.proto.LeaseKeepAliveResponse;
import io.keel.server.etcd.proto.LeaseTimeToLiveRequest;
import io.keel.server.grpc.EtcdGrpcServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16 over etcd's gRPC API at a follower: a keep-alive stream's requests are forwarded to the leader and
 * answered in order with the granted TTL, without a Raft entry each; a client that half-closes right after its
 * requests still gets every answer before the stream ends (the handler no longer blocks, so the half-close can
 * arrive while answers are outstanding); the keep-alives the stream reads together travel to the leader together,
 * one peer message (and one leader lease check) per burst rather than per keep-alive; time-to-live there answers the
 * leader's view.
 */
class KeepAliveStreamAtFollowerTest {
    private static final int KEEP_ALIVES = 200;
    private static final long TTL = 60;

    @Test
    void keepAlivesAtAFollowerAreForwardedTogetherAnsweredInOrderAndCostNoEntry(@TempDir Path dir) throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3)) {
            cluster.startAll();
            Keel leader = cluster.awaitLeader();
            Keel follower = cluster.running().stream().filter(k -> k != leader).findFirst().orElseThrow();
            try (EtcdGrpcServer server = EtcdGrpcServer.start(follower, new InetSocketAddress("127.0.0.1", 0))) {
                ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
                        .build();
                try {
                    var lease = LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
                    long a = lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(TTL).build()).getID();
                    long b = lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(TTL + 1).build()).getID();
                    long forwardedBefore = follower.member().leaseForwarder().forwarded();
                    long batchesBefore = follower.member().leaseForwarder().forwardedBatches();
                    long burstsBefore = follower.member().leaseForwarder().forwardedBursts();
                    long termBefore = leader.state().term();
                    long renewalsBefore = leader.member().lessor().renewals();
                    long checksBefore = leader.member().lessor().renewalLeaseChecks();
                    long oneByOneBefore = leader.member().lessor().renewalsOneByOne();
                    long indexBefore = leader.member().commitIndex();

                    long[] ids = new long[KEEP_ALIVES];
                    for (int i = 0; i < KEEP_ALIVES; i++) ids[i] = i % 2 == 0 ? a : b;
                    // Half-closed at once: answers are still outstanding at the follower.
                    long sent = System.nanoTime(); // every keep-alive of b restarts its TTL after this
                    var answers = KeepAliveBurst.send(channel, ids);
                    for (int i = 0; i < KEEP_ALIVES; i++) {
                        LeaseKeepAliveResponse r = assertInstanceOf(LeaseKeepAliveResponse.class,
                                answers.poll(60), "answer " + i);
                        assertEquals(i % 2 == 0 ? a : b, r.getID(), "answers in the order of the requests");
                        assertEquals(i % 2 == 0 ? TTL : TTL + 1, r.getTTL());
                        assertEquals(follower.memberId(), r.getHeader().getMemberId());
                    }
                    assertEquals("completed", answers.poll(60),
                            "the stream ends after its last answer");

                    long grown = leader.member().commitIndex() - indexBefore;
                    // A few entries of a young cluster's own (members publish their attributes and incarnations
                    // once a leader is known, and a leader change adds an empty entry) may fall in; one per
                    // keep-alive would be 200.
                    assertTrue(grown <= 6, "the log grew by " + grown + " entries over " + KEEP_ALIVES
                            + " keep-alives (a keep-alive costs none)");
                    // The counters below are the leader's and the follower's as they were: checked only if
                    // leadership did not move meanwhile (a leader change sends keep-alives elsewhere, or retries).
                    if (leader.isLeader() && leader.state().term() == termBefore) {
                        long forwarded = follower.member().leaseForwarder().forwarded() - forwardedBefore;
                        assertTrue(forwarded >= KEEP_ALIVES, "the follower forwarded them");
                        assertTrue(leader.member().lessor().renewals() - renewalsBefore >= KEEP_ALIVES,
                                "the leader renewed them in memory");
                        // Each burst the stream handed over (what one pass read, see KeepAliveStream) left in one
                        // message at most; one by one, each keep-alive was a message of its own. How many bursts
                        // the 200 arrive in depends on the socket's reads, so it is not asserted.
                        long batches = follower.member().leaseForwarder().forwardedBatches() - batchesBefore;
                        long bursts = follower.member().leaseForwarder().forwardedBursts() - burstsBefore;
                        if (forwarded == KEEP_ALIVES) { // none retried
                            assertTrue(batches <= bursts, KEEP_ALIVES + " keep-alives in " + bursts
                                    + " bursts left in " + batches + " batches");
                        }
                        // A batch the leader cannot answer at once (its leader lease lapsed for a moment on a
                        // loaded machine) waits once, as a whole, within its one check (Lessor.renewAllLater); only
                        // a batch whose wait failed (leadership lost meanwhile) is renewed one by one, a check each:
                        // those are not the batches' checks.
                        long oneByOne = leader.member().lessor().renewalsOneByOne() - oneByOneBefore;
                        long checks = leader.member().lessor().renewalLeaseChecks() - checksBefore - oneByOne;
                        assertTrue(checks <= batches, "the leader checked its leader lease " + checks + " times for "
                                + batches + " batches (besides " + oneByOne + " keep-alives renewed one by one): once"
                                + " per batch, not per keep-alive");
                    }

                    // Both are the leader's lessor's remaining time (one clock for all members here), truncated to
                    // whole seconds, read one after the other: they differ by at most the time between the reads,
                    // rounded up; and b's last keep-alive came after `sent`, so at most the time since then is gone.
                    long readsStarted = System.nanoTime();
                    long atFollower = lease.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(b).build())
                            .getTTL();
                    long atLeader = leader.timeToLive(b, false).orElseThrow().ttl();
                    long readsEnded = System.nanoTime();
                    long between = ceilSeconds(readsEnded - readsStarted);
                    long sinceSent = ceilSeconds(readsEnded - sent);
                    assertTrue(Math.abs(atFollower - atLeader) <= between, "time-to-live at the follower is the"
                            + " leader's: " + atFollower + " s there, " + atLeader + " s at the leader, read "
                            + between + " s (rounded up) apart");
                    assertTrue(atFollower <= TTL + 1 && atFollower >= TTL + 1 - sinceSent, "the full TTL, less the"
                            + " time since the keep-alives (" + sinceSent + " s, rounded up): " + atFollower);
                } finally {
                    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** Whole seconds in {@code nanos}, rounded up. */
    private static long ceilSeconds(long nanos) {
        long second = TimeUnit.SECONDS.toNanos(1);
        return (nanos + second - 1) / second;
    }
}
