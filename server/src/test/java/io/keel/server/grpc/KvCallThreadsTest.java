package io.keel.server.grpc;

import com.google.protobuf.ByteString;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.StatusRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A KV call costs no hand-off to the client port's pool (issue 12, section 2): gRPC looks a call's method up on the
 * server's executor before it asks which executor the call runs on, and while that was the pool, every put started
 * on a pool thread (a wake-up per call) although its handler then ran on the reading thread. Blocking services still
 * run on the pool.
 */
class KvCallThreadsTest {
    @TempDir
    Path dir;

    @Test
    void kvCallsNeverReachThePoolWhileABlockingServiceDoes() {
        try (GrpcTestMember member = GrpcTestMember.startLeader(dir)) {
            // The pool's threads are named keel-grpc-<member id>-<n> (NamedThreads.numbered) and live a minute idle.
            Pattern poolThread = Pattern.compile(Pattern.quote("keel-grpc-" + Long.toHexString(member.keel.memberId()))
                    + "-\\d+");
            var kv = KVGrpc.newBlockingStub(member.channel).withDeadlineAfter(60, TimeUnit.SECONDS);
            for (int i = 0; i < 50; i++) {
                ByteString key = ByteString.copyFromUtf8("k" + i);
                kv.put(PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8("v" + i)).build());
                assertEquals(1, kv.range(RangeRequest.newBuilder().setKey(key).build()).getCount());
            }
            assertEquals(List.of(), poolThreads(poolThread), "KV calls started on the pool");

            // The detection works: a Maintenance call (its handlers may block) runs on the pool.
            MaintenanceGrpc.newBlockingStub(member.channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                    .status(StatusRequest.getDefaultInstance());
            assertFalse(poolThreads(poolThread).isEmpty(), "a Maintenance call ran on the pool");
        }
    }

    private static List<String> poolThreads(Pattern name) {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> name.matcher(n).matches()).sorted().toList();
    }
}
