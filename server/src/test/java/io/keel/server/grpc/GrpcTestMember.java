package io.keel.server.grpc;

import io.keel.server.cli.FreePorts;
import io.keel.server.Poll;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.keel.server.Keel;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** A single-member Keel with etcd's API on 127.0.0.1 (an ephemeral port) and a plaintext channel to it. */
final class GrpcTestMember implements AutoCloseable {
    final Keel keel;
    final EtcdGrpcServer server;
    final ManagedChannel channel;

    private GrpcTestMember(Keel keel, EtcdGrpcServer server) {
        this.keel = keel;
        this.server = server;
        this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    }

    /** One member that elects itself; returns once it leads. */
    static GrpcTestMember startLeader(Path dir) {
        return startLeader(dir, b -> b);
    }

    /** As {@link #startLeader(Path)}, with the member's builder adjusted by {@code customize}. */
    static GrpcTestMember startLeader(Path dir, UnaryOperator<Keel.Builder> customize) {
        InetSocketAddress peer = FreePorts.loopback();
        Keel keel = customize.apply(builder(dir, peer).initialCluster(Map.of(1L, peer))).start();
        GrpcTestMember m = serve(keel);
        try {
            Poll.until("the single member becomes leader", keel::isLeader);
            // A linearizable read succeeds once the leader has committed an entry of its term.
            Poll.until("a linearizable read succeeds", () -> {
                try {
                    keel.get("warm-up");
                    return true;
                } catch (RuntimeException e) {
                    return false;
                }
            });
            return m;
        } catch (RuntimeException | AssertionError e) {
            m.close();
            throw e;
        }
    }

    /** Member 1 of a two-member cluster whose peer never starts: it never knows a leader. */
    static GrpcTestMember startWithoutLeader(Path dir, Duration requestTimeout) {
        InetSocketAddress peer = FreePorts.loopback();
        Keel keel = builder(dir, peer).initialCluster(Map.of(1L, peer, 2L, FreePorts.loopback()))
                .requestTimeout(requestTimeout).start();
        return serve(keel);
    }

    private static Keel.Builder builder(Path dir, InetSocketAddress peer) {
        return Keel.builder().id(1).dataDir(dir.resolve("member-1")).listen(peer).initialClusterToken("grpc-test")
                .tickInterval(Duration.ofMillis(10)).electionTimeout(Duration.ofMillis(800))
                .heartbeatInterval(Duration.ofMillis(80)).requestTimeout(Duration.ofSeconds(10));
    }

    private static GrpcTestMember serve(Keel keel) {
        try {
            return new GrpcTestMember(keel, EtcdGrpcServer.start(keel, new InetSocketAddress("127.0.0.1", 0)));
        } catch (RuntimeException e) {
            keel.close();
            throw e;
        }
    }


    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            server.close();
        } finally {
            keel.close();
        }
    }
}
