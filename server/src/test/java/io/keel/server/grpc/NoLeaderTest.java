package io.keel.server.grpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import com.google.protobuf.ByteString;
import io.keel.server.NotLeaderException;
import io.keel.server.OverloadedException;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RangeRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A member that knows no leader answers as etcd does: UNAVAILABLE "etcdserver: no leader", so clients go elsewhere. */
class NoLeaderTest {

    @Test
    void writesAndLinearizableReadsWithoutALeaderAreUnavailable(@TempDir Path dir) {
        try (GrpcTestMember m = GrpcTestMember.startWithoutLeader(dir, Duration.ofMillis(500))) {
            var kv = KVGrpc.newBlockingStub(m.channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            StatusRuntimeException put = assertThrows(StatusRuntimeException.class,
                    () -> kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()));
            assertEquals(Status.Code.UNAVAILABLE, put.getStatus().getCode(), put.getStatus()::toString);
            assertEquals("etcdserver: no leader", put.getStatus().getDescription());

            StatusRuntimeException read = assertThrows(StatusRuntimeException.class,
                    () -> kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()));
            assertEquals(Status.Code.UNAVAILABLE, read.getStatus().getCode(), read.getStatus()::toString);
            assertEquals("etcdserver: no leader", read.getStatus().getDescription());

            // Serializable reads are served from the local store.
            assertEquals(0, kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                    .setSerializable(true).build()).getCount());

            // clientv3's WithRequireLeader metadata: refused before the request is even looked at.
            Metadata md = new Metadata();
            md.put(Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER), "true");
            StatusRuntimeException required = assertThrows(StatusRuntimeException.class,
                    () -> kv.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                            .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                                    .setSerializable(true).build()));
            assertEquals(Status.Code.UNAVAILABLE, required.getStatus().getCode());
            assertEquals("etcdserver: no leader", required.getStatus().getDescription());
        }
    }

    /**
     * The embedded API lets a write wait for a leader; the etcd API refuses it at once, so an etcd client tries
     * another endpoint instead of waiting out its deadline at a member cut off from the majority.
     */
    @Test
    void aWriteWithoutALeaderIsRefusedAtOnceNotHeldForTheLeaderWait(@TempDir Path dir) {
        try (GrpcTestMember m = GrpcTestMember.startWithoutLeader(dir, Duration.ofSeconds(60))) {
            var kv = KVGrpc.newBlockingStub(m.channel).withDeadlineAfter(50, TimeUnit.SECONDS);
            long start = System.nanoTime();
            StatusRuntimeException put = assertThrows(StatusRuntimeException.class,
                    () -> kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("etcdserver: no leader", put.getStatus().getDescription());
            // Far below the 59 s an embedded write would wait here; generous for a loaded machine.
            assertTrue(tookMillis < 20_000, "refused after " + tookMillis + " ms");
        }
    }

    @Test
    void memberFailuresMapToEtcdStatuses() {
        Status noLeader = EtcdStatus.of(new NotLeaderException(1, 0, "follower"), 0).getStatus();
        assertEquals(Status.Code.UNAVAILABLE, noLeader.getCode());
        assertEquals("etcdserver: no leader", noLeader.getDescription());
        Status transfer = EtcdStatus.of(new NotLeaderException(1, 2, "transferring"), 1).getStatus();
        assertEquals(Status.Code.UNAVAILABLE, transfer.getCode());
        assertEquals("etcdserver: leader changed", transfer.getDescription());
        Status busy = EtcdStatus.of(new OverloadedException("full"), 1).getStatus();
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, busy.getCode());
        assertEquals("etcdserver: too many requests", busy.getDescription());
    }
}
