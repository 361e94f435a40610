package io.keel.server.grpc;

import io.keel.server.cli.FreePorts;
import io.keel.server.Poll;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.keel.server.Keel;
import io.keel.server.etcd.proto.CompactionRequest;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.PutResponse;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.RangeResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A follower of a three-member cluster: reads are served (linearizable through the leader's read index), writes are
 * forwarded to the leader and answered by the follower, etcd's refusals included.
 */
class FollowerTest {

    @Test
    void followerServesReadsAndForwardsWrites(@TempDir Path dir) throws Exception {
        Map<Long, InetSocketAddress> peers = new LinkedHashMap<>();
        for (long id = 1; id <= 3; id++) peers.put(id, FreePorts.loopback());
        List<Keel> members = new ArrayList<>();
        try {
            for (long id = 1; id <= 3; id++) {
                members.add(Keel.builder().id(id).dataDir(dir.resolve("member-" + id)).listen(peers.get(id))
                        .initialCluster(peers).initialClusterToken("grpc-follower-test")
                        .tickInterval(Duration.ofMillis(10)).electionTimeout(Duration.ofMillis(800))
                        .heartbeatInterval(Duration.ofMillis(80)).requestTimeout(Duration.ofSeconds(10)).start());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
            // Leadership may move on a loaded machine: try until a write at a follower is refused while it follows.
            while (true) {
                Keel leader = awaitLeader(members, deadline);
                Keel follower = members.stream().filter(k -> k != leader).findFirst().orElseThrow();
                String value = "v" + System.nanoTime();
                try {
                    leader.put("shared", value);
                } catch (RuntimeException e) {
                    continue; // leadership changed meanwhile
                }
                try (EtcdGrpcServer server = EtcdGrpcServer.start(follower, new InetSocketAddress("127.0.0.1", 0))) {
                    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port())
                            .usePlaintext().build();
                    try {
                        var kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
                        RangeResponse read = kv.range(RangeRequest.newBuilder()
                                .setKey(ByteString.copyFromUtf8("shared")).build());
                        assertEquals(value, read.getKvs(0).getValue().toStringUtf8(), "a linearizable read");
                        assertEquals(follower.memberId(), read.getHeader().getMemberId());
                        long term = follower.state().term();
                        PutResponse put;
                        try {
                            put = kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("shared"))
                                    .setValue(ByteString.copyFromUtf8("from a follower")).setPrevKv(true).build());
                        } catch (StatusRuntimeException e) {
                            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus()::toString);
                            continue; // no leader for a moment: the client retries, as etcd's do
                        }
                        if (follower.isLeader() || follower.state().term() != term) continue; // not a clean case
                        assertEquals(follower.memberId(), put.getHeader().getMemberId(), "answered by the follower");
                        assertEquals(value, put.getPrevKv().getValue().toStringUtf8(), "applied after the leader's");
                        RangeResponse atLeader = KVGrpc.newBlockingStub(channel)
                                .withDeadlineAfter(30, TimeUnit.SECONDS).range(RangeRequest.newBuilder()
                                        .setKey(ByteString.copyFromUtf8("shared")).build());
                        assertEquals("from a follower", atLeader.getKvs(0).getValue().toStringUtf8());
                        assertEquals(put.getHeader().getRevision(), atLeader.getKvs(0).getModRevision());

                        // etcd's refusal, decided when the entry applies, reaches the client through the follower.
                        long future = put.getHeader().getRevision() + 1000;
                        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> kv.compact(
                                CompactionRequest.newBuilder().setRevision(future).build()));
                        assertEquals(Status.Code.OUT_OF_RANGE, refused.getStatus().getCode());
                        assertEquals("etcdserver: mvcc: required revision is a future revision",
                                refused.getStatus().getDescription());
                        return;
                    } finally {
                        channel.shutdownNow();
                        channel.awaitTermination(5, TimeUnit.SECONDS);
                    }
                }
            }
        } finally {
            for (Keel k : members) k.close();
        }
    }

    private static Keel awaitLeader(List<Keel> members, long deadline) {
        Keel[] found = new Keel[1];
        Poll.until("a stable leader", Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), () -> {
            List<Keel> leaders = members.stream().filter(Keel::isLeader).toList();
            if (leaders.size() != 1) return false;
            long id = leaders.get(0).memberId();
            found[0] = leaders.get(0);
            return members.stream().allMatch(k -> k.leaderId() == id);
        });
        return found[0];
    }
}
