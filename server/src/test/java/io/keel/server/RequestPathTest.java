package io.keel.server;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.grpc.Etcdctl;
import io.keel.server.grpc.EtcdGrpcServer;
import io.keel.server.proto.ClientOp;
import io.keel.server.proto.CompareOp;
import io.keel.server.proto.DeleteRangeOp;
import io.keel.server.proto.PutOp;
import io.keel.server.proto.TxnItem;
import io.keel.server.proto.TxnOp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, sections 4 and 5, through a real member and its etcd API: entries of the earlier encoding still apply;
 * a request's one deadline (the client's, else the member's request timeout) ends it inside the member, answered
 * as etcd answers. One single-member cluster serves every check.
 */
class RequestPathTest {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    static Path dir;
    private static TestCluster cluster;
    private static Keel keel;
    private static EtcdGrpcServer server;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() {
        cluster = new TestCluster(dir, 1);
        keel = cluster.members[0] = cluster.builder(1).requestTimeout(REQUEST_TIMEOUT).start();
        cluster.put("warm-up", "1"); // leads and has committed an entry of its term
        server = EtcdGrpcServer.start(keel, new InetSocketAddress("127.0.0.1", 0));
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (channel != null) channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        if (server != null) server.close();
        if (cluster != null) cluster.close();
    }

    @Test
    void entriesOfTheEarlierEncodingStillApply() throws Exception {
        ByteString key = ByteString.copyFromUtf8("legacy");
        keel.member().proposeData(ClientOp.newBuilder().setPut(PutOp.newBuilder().setKey(key)
                .setValue(ByteString.copyFromUtf8("one"))).build().toByteString()).get(30, TimeUnit.SECONDS);
        assertEquals(Optional.of("one"), keel.get("legacy"));

        // A txn of that encoding: compare the version, put on success.
        keel.member().proposeData(ClientOp.newBuilder().setTxn(TxnOp.newBuilder()
                .addCompare(CompareOp.newBuilder().setKey(key).setTarget("VERSION").setResult("EQUAL").setNumber(1))
                .addSuccess(TxnItem.newBuilder().setPut(PutOp.newBuilder().setKey(key)
                        .setValue(ByteString.copyFromUtf8("two"))))).build().toByteString())
                .get(30, TimeUnit.SECONDS);
        assertEquals(Optional.of("two"), keel.get("legacy"));

        keel.member().proposeData(ClientOp.newBuilder().setDeleteRange(DeleteRangeOp.newBuilder().setKey(key))
                .build().toByteString()).get(30, TimeUnit.SECONDS);
        assertEquals(Optional.empty(), keel.get("legacy"));
    }

    @Test
    void theClientsDeadlineEndsTheWriteInsideTheMemberAndNothingIsProposed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try {
            stallRaftThread(release);
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(300, TimeUnit.MILLISECONDS);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> kv.put(put("late")));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode(), e.toString());
            // The member's own timer ended the write at the client's deadline, with the raft thread still stalled:
            // nothing else could have released it (before issue 12 it waited for the raft thread and the apply).
            Poll.until("the write leaves the member at its deadline", Duration.ofSeconds(REQUEST_TIMEOUT.toSeconds()
                    + 20), () -> keel.pendingProposals() == 0);

            // etcd's own client, with its own deadline: its text, as etcd's server makes it answer.
            Etcdctl.Result r = new Etcdctl(dir, "127.0.0.1:" + server.port())
                    .run(null, "--command-timeout=500ms", "put", "late-too", "v");
            assertNotEquals(0, r.exit(), r.toString());
            assertTrue(r.err().contains("context deadline exceeded"), r.toString());
            Poll.until("the etcdctl write leaves the member at its deadline", () -> keel.pendingProposals() == 0);
        } finally {
            release.countDown();
        }
        // The raft thread runs again and finds both writes done: neither is proposed.
        assertEquals(Optional.empty(), keel.get("late"));
        assertEquals(Optional.empty(), keel.get("late-too"));
    }

    @Test
    void withoutAClientDeadlineTheMembersRequestTimeoutEndsTheWriteAsEtcdsTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try {
            stallRaftThread(release);
            long start = System.nanoTime();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> KVGrpc.newBlockingStub(channel).put(put("unanswered")));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
            assertEquals("etcdserver: request timed out", e.getStatus().getDescription());
            assertTrue(tookMs >= REQUEST_TIMEOUT.toMillis() - 50, "answered after " + tookMs + " ms");

            // etcd's own client, whose deadline (30 s) outlasts the member's request timeout: etcd's text.
            Etcdctl.Result r = new Etcdctl(dir, "127.0.0.1:" + server.port()).run(null, "put", "unanswered-too", "v");
            assertNotEquals(0, r.exit(), r.toString());
            assertTrue(r.err().contains("etcdserver: request timed out"), r.toString());
        } finally {
            release.countDown();
        }
        assertEquals(Optional.empty(), keel.get("unanswered"));
        assertEquals(Optional.empty(), keel.get("unanswered-too"));
    }

    /** Blocks the member's raft thread (as a long pause would) until {@code release}, at most 60 s. */
    private static void stallRaftThread(CountDownLatch release) throws InterruptedException {
        // The member's own writes (its announcement once the client port serves) are done first: the checks count
        // the writes in flight.
        Poll.until("no write in flight", () -> keel.pendingProposals() == 0);
        RaftThreadHold.until(keel, release);
    }

    private static PutRequest put(String key) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v"))
                .build();
    }
}
