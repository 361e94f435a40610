package io.keel.examples.embedded;

import io.keel.server.Keel;
import io.keel.server.lease.LeaseKeepAlive;
import io.keel.server.watch.Watch;
import io.keel.server.watch.WatchOptions;
import io.keel.storage.mvcc.api.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Three Keel members in one JVM, used as a program embedding Keel would: start them, wait for a leader, put, watch,
 * keep a lease alive, shut down. Exits 0 when every step did what it should, 1 otherwise.
 */
public final class EmbeddedCluster {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedCluster.class);
    /** Generous: the example also runs in CI on a loaded machine. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    private EmbeddedCluster() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Files.createTempDirectory("keel-example-");
        try {
            run(data);
            LOG.info("example finished: every step did what it should");
        } catch (Exception | AssertionError e) {
            LOG.error("example failed", e);
            System.exit(1);
        } finally {
            deleteRecursively(data);
        }
        // No System.exit on success: the members' threads are daemons and close() ended them, so main returning
        // ends the JVM. A thread left behind would hang here (CI's run has a timeout for that).
    }

    private static void run(Path data) throws Exception {
        // Every member's peer address; the same map is given to each, with the same token.
        Map<Long, InetSocketAddress> cluster = new LinkedHashMap<>();
        for (long id = 1; id <= 3; id++) cluster.put(id, freeLoopbackAddress());

        List<Keel> members = new ArrayList<>();
        try {
            for (long id : cluster.keySet()) {
                members.add(Keel.builder().id(id).dataDir(data.resolve("member-" + id)).listen(cluster.get(id))
                        .initialCluster(cluster).initialClusterToken("example").start());
            }
            Keel first = members.get(0);
            Keel third = members.get(2);

            // Optional: a request made before a leader is known waits for one by itself. A program that wants to
            // be ready before it serves waits explicitly, after starting all members (a majority must be up).
            for (Keel k : members) {
                long leader = k.awaitLeader(WAIT);
                LOG.info("member {} knows leader {}", k.memberId(), leader);
            }

            // Watch a prefix on one member; write through another (a follower forwards writes to the leader).
            BlockingQueue<Event> events = new LinkedBlockingQueue<>();
            try (Watch watch = third.watch(WatchOptions.prefix("config/"),
                    (batch, revision) -> events.addAll(batch))) {
                long revision = first.put("config/greeting", "hello").revision();
                LOG.info("put config/greeting at revision {}", revision);
                Event event = events.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
                check(event != null, "no watch event within " + WAIT);
                check(event.type() == Event.Type.PUT && text(event.kv().value()).equals("hello"),
                        "unexpected watch event " + event);
                LOG.info("watch on member 3 saw {} {}={} at revision {}", event.type(), text(event.kv().key()),
                        text(event.kv().value()), event.kv().modRevision());
            }
            check(third.get("config/greeting").orElse("").equals("hello"), "linearizable read missed the put");

            // A lease kept alive outlives its TTL; its key goes when the lease is revoked.
            long ttl = 2; // raised to etcd's minimum for the election timeout if lower
            long lease = first.grantLease(ttl).id();
            first.put("session/example", "alive", lease);
            try (LeaseKeepAlive alive = first.keepAlive(lease)) {
                Thread.sleep(TimeUnit.SECONDS.toMillis(ttl * 2)); // an example's pause: two TTLs go by
                check(alive.lastTtl() > 0, "the keep-alive never succeeded");
                check(third.get("session/example").isPresent(), "the key of a lease kept alive was deleted");
                LOG.info("lease {} kept alive past its TTL of {} s", Long.toHexString(lease), alive.lastTtl());
            }
            first.revokeLease(lease);
            check(third.get("session/example").isEmpty(), "the key outlived its revoked lease");
            LOG.info("lease revoked: its key is gone");
        } finally {
            for (Keel k : members) k.close(); // ends every thread the member started
        }
    }

    private static InetSocketAddress freeLoopbackAddress() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void check(boolean condition, String failure) {
        if (!condition) throw new AssertionError(failure);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
