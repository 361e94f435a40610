package io.keel.server.grpc;

import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.RangeRequest;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Issue 14, a quick stop: the client port's Netty threads are the port's own and have ended when
 * {@link EtcdGrpcServer#close} returns. gRPC's shared default threads, used before, lived on for a second in
 * {@code epoll_wait}, and a JVM halting meanwhile waited 300 ms for them (see {@link ClientPortThreads}).
 */
class ClientPortThreadsTest {
    @Test
    void theClientPortsThreadsHaveEndedWhenItsServerCloses(@TempDir Path dir) throws Exception {
        GrpcTestMember m = GrpcTestMember.startLeader(dir);
        String prefix = "keel-grpc-" + Long.toHexString(m.keel.memberId()) + "-port";
        try {
            // A call makes the server accept a connection and serve it on an I/O thread.
            KVGrpc.newBlockingStub(m.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build());
            List<String> serving = threadsNamed(prefix);
            assertFalse(serving.stream().noneMatch(n -> n.startsWith(prefix + "-accept")),
                    () -> "an acceptor thread of the port's own while it serves: " + serving);
            assertFalse(serving.stream().noneMatch(n -> n.startsWith(prefix + "-io")),
                    () -> "an I/O thread of the port's own while it serves: " + serving);
        } finally {
            m.close(); // the client channel, the server, the member
        }
        // No polling: the server's close() itself must have waited for them.
        assertEquals(List.of(), threadsNamed(prefix), "the port's threads still alive after close()");
    }

    private static List<String> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(prefix)).sorted().toList();
    }
}
