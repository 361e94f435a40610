package io.keel.server.grpc;

import io.keel.server.cli.FreePorts;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.keel.server.Keel;
import io.keel.server.Poll;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Three Keel members in this JVM, each serving etcd's API on 127.0.0.1, and jetcd clients to them: the official
 * Java etcd client (io.etcd:jetcd-core), unchanged, as an application would use it.
 *
 * <p>jetcd runs on the server's test classpath. It is built on Vert.x 4.5 and unshaded grpc-netty, which expect
 * Netty 4.1, while Keel's transport brings Netty 4.2 (netty-all); Maven resolves every Netty artifact to Keel's 4.2
 * and jetcd works on it, so no separate JVM or module is needed. Its grpc-netty is held at Keel's gRPC version
 * (an older one fails against Keel's grpc-core with NoSuchMethodError). Keel's own gRPC server uses
 * grpc-netty-shaded and so never shares Netty classes with jetcd: the client and the server talk over the wire.
 */
final class JetcdCluster implements AutoCloseable {
    /** Every jetcd future gets this long: generous, for a loaded 2-core machine. */
    static final Duration DEADLINE = Duration.ofSeconds(30);

    private final Path dir;
    private final Map<Long, InetSocketAddress> peers = new LinkedHashMap<>();
    private final Keel[] members = new Keel[3];
    private final EtcdGrpcServer[] servers = new EtcdGrpcServer[3];
    private final List<Client> clients = new ArrayList<>();

    private JetcdCluster(Path dir) {
        this.dir = dir;
        for (long id = 1; id <= 3; id++) peers.put(id, FreePorts.loopback());
    }

    /** Starts three members and returns once one leads, every member knows it, and a linearizable read works. */
    static JetcdCluster start(Path dir) {
        JetcdCluster c = new JetcdCluster(dir);
        try {
            for (long id = 1; id <= 3; id++) {
                Keel k = Keel.builder().id(id).dataDir(dir.resolve("member-" + id)).listen(c.peers.get(id))
                        .initialCluster(c.peers).initialClusterToken("jetcd-test")
                        .tickInterval(Duration.ofMillis(10)).electionTimeout(Duration.ofMillis(800))
                        .heartbeatInterval(Duration.ofMillis(80)).requestTimeout(Duration.ofSeconds(10)).start();
                c.members[(int) id - 1] = k;
                c.servers[(int) id - 1] = EtcdGrpcServer.start(k, new InetSocketAddress("127.0.0.1", 0));
            }
            c.awaitLeader();
            for (Keel k : c.members) {
                Poll.until("a linearizable read at member " + k.memberId(), () -> {
                    try {
                        k.get("warm-up");
                        return true;
                    } catch (RuntimeException e) {
                        return false;
                    }
                });
            }
            return c;
        } catch (RuntimeException | AssertionError e) {
            c.close();
            throw e;
        }
    }

    /** The member that leads, once every member knows it. */
    Keel awaitLeader() {
        Keel[] leader = new Keel[1];
        Poll.until("one leader known to every member", () -> {
            long id = members[0].leaderId();
            if (id == 0) return false;
            for (Keel k : members) if (k.leaderId() != id) return false;
            leader[0] = members[(int) id - 1];
            return leader[0].isLeader();
        });
        return leader[0];
    }

    /** Some member that does not lead (a write there is forwarded to the leader). */
    long aFollower() {
        long leader = awaitLeader().memberId();
        return leader == 1 ? 2 : 1;
    }

    Keel member(long id) {
        return members[(int) id - 1];
    }

    /** The member's client URL, as an etcd client is given it. */
    String endpoint(long id) {
        return "http://127.0.0.1:" + servers[(int) id - 1].port();
    }

    /** A jetcd client to exactly these members, closed with the cluster. */
    Client client(long... ids) {
        String[] endpoints = new String[ids.length];
        for (int i = 0; i < ids.length; i++) endpoints[i] = endpoint(ids[i]);
        Client c = Client.builder().endpoints(endpoints).connectTimeout(DEADLINE).build();
        clients.add(c);
        return c;
    }

    static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    static String str(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    /** The future's value within {@link #DEADLINE}; its failure's cause is rethrown as is for assertions. */
    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new AssertionError(e.getCause());
        } catch (TimeoutException e) {
            return fail("no answer within " + DEADLINE.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        List<RuntimeException> failures = new ArrayList<>();
        for (Client c : clients) {
            try {
                c.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        for (int i = 0; i < 3; i++) {
            try {
                if (servers[i] != null) servers[i].close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
            try {
                if (members[i] != null) members[i].close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
            servers[i] = null;
            members[i] = null;
        }
        if (!failures.isEmpty()) throw failures.get(0);
    }
}
