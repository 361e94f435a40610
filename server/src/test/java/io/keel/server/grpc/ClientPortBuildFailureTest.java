package io.keel.server.grpc;

import io.keel.server.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link EtcdGrpcServer#create} refused part-way (here gRPC's builder refuses a zero keep-alive timeout, after the
 * client port's pools, leader monitor, gateway and Netty event loops were made) leaves nothing behind: no thread and no
 * file descriptor. Before the fix each refused create left the leader monitor's thread running and Netty's epoll
 * descriptors open.
 */
class ClientPortBuildFailureTest {
    private static final int ATTEMPTS = 10;

    @Test
    void aRefusedBuildReleasesItsThreadsAndDescriptors(@TempDir Path dir) throws IOException {
        try (GrpcTestMember m = GrpcTestMember.startLeader(dir)) {
            Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
            long fdsBefore = openDescriptors();
            ClientLimits refused = new ClientLimits(EtcdGrpcServer.DEFAULT_MAX_REQUEST_BYTES,
                    EtcdGrpcServer.DEFAULT_MAX_TXN_OPS, 100, Duration.ofSeconds(5), Duration.ofHours(2),
                    Duration.ZERO);
            for (int i = 0; i < ATTEMPTS; i++) {
                ClientPort port = ClientPort.at(new InetSocketAddress("127.0.0.1", 0)).withLimits(refused);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> EtcdGrpcServer.create(m.keel, port));
                assertTrue(String.valueOf(e.getMessage()).contains("keepalive"), e::toString);
            }
            // Released threads end shortly after they are told to (an executor's shutdownNow does not wait).
            Poll.until("threads made by the refused builds have ended", Duration.ofSeconds(20),
                    () -> newPortThreads(before).isEmpty(), () -> "; still alive: " + newPortThreads(before));
            long fdsAfter = openDescriptors();
            // Each refused build opened some 15 epoll and event descriptors before the fix; a few may come and go
            // meanwhile on the member's own threads (RocksDB, the peer port).
            assertTrue(fdsAfter - fdsBefore < ATTEMPTS, "descriptors open before " + fdsBefore + ", after "
                    + ATTEMPTS + " refused builds " + fdsAfter);
            // And the member's own client port still serves.
            assertEquals(0, io.keel.server.etcd.proto.KVGrpc.newBlockingStub(m.channel)
                    .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS)
                    .range(io.keel.server.etcd.proto.RangeRequest.newBuilder()
                            .setKey(com.google.protobuf.ByteString.copyFromUtf8("absent")).build()).getCount());
        }
    }

    private static List<String> newPortThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive())
                .map(Thread::getName)
                .filter(n -> n.startsWith("keel-grpc-") || n.startsWith(ClientPortThreads.ACCEPT_THREADS)
                        || n.startsWith(ClientPortThreads.IO_THREADS))
                .toList();
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
