package io.keel.server.grpc;

import com.google.protobuf.ByteString;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.RangeRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14, a quick stop: the client port's Netty threads are the port's own and have ended when
 * {@link EtcdGrpcServer#close} returns. gRPC's shared default threads, used before, lived on for a second in
 * {@code epoll_wait}, and a JVM halting meanwhile waited 300 ms for them (see {@link ClientPortThreads}).
 */
class ClientPortThreadsTest {
    @Test
    void theClientPortsThreadsHaveEndedWhenItsServerCloses(@TempDir Path dir) {
        // Threads of servers this JVM ran before (other test classes) are not this test's business.
        Set<Thread> earlier = Set.copyOf(portThreads());
        GrpcTestMember m = GrpcTestMember.startLeader(dir);
        List<Thread> ours;
        try {
            // A call makes the server accept a connection and serve it on an I/O thread.
            KVGrpc.newBlockingStub(m.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build());
            ours = portThreads().stream().filter(t -> !earlier.contains(t)).toList();
            List<String> names = ours.stream().map(Thread::getName).toList();
            assertTrue(names.stream().anyMatch(n -> n.startsWith(ClientPortThreads.ACCEPT_THREADS + "-")),
                    () -> "an acceptor thread of the port's own while it serves: " + names);
            assertTrue(names.stream().anyMatch(n -> n.startsWith(ClientPortThreads.IO_THREADS + "-")),
                    () -> "an I/O thread of the port's own while it serves: " + names);
        } finally {
            m.close(); // the client channel, the server, the member
        }
        // No polling: the server's close() itself must have waited for them.
        assertEquals(List.of(), ours.stream().filter(Thread::isAlive).map(Thread::getName).toList(),
                "the port's threads still alive after close()");
    }

    private static List<Thread> portThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(ClientPortThreads.ACCEPT_THREADS + "-")
                        || t.getName().startsWith(ClientPortThreads.IO_THREADS + "-"))
                .toList();
    }
}
