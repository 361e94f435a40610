package io.keel.server;

import io.keel.server.cli.FreePorts;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Members of one cluster in this JVM, each with its data directory under a test's temporary directory. */
class TestCluster implements AutoCloseable {
    final Map<Long, InetSocketAddress> addresses = new LinkedHashMap<>();
    final Path root;
    final Keel[] members; // index id - 1; null when stopped

    TestCluster(Path root, int size) {
        this.root = root;
        this.members = new Keel[size];
        for (int id = 1; id <= size; id++) addresses.put((long) id, FreePorts.loopback());
    }

    Keel.Builder builder(long id) {
        // Short timeouts keep the test quick; the heartbeat stays well below them so a loaded machine does not
        // see spurious elections often (and when it does, the test only waits longer).
        return Keel.builder().id(id).dataDir(root.resolve("member-" + id)).listen(addresses.get(id))
                .initialCluster(addresses).initialClusterToken("test")
                .tickInterval(Duration.ofMillis(10)).electionTimeout(Duration.ofMillis(800))
                .heartbeatInterval(Duration.ofMillis(80)).requestTimeout(Duration.ofSeconds(10));
    }

    Keel start(long id) {
        return start(id, b -> b);
    }

    /** Starts member {@code id} with the test's settings changed by {@code settings}. */
    Keel start(long id, java.util.function.UnaryOperator<Keel.Builder> settings) {
        Keel k = settings.apply(builder(id)).start();
        members[(int) id - 1] = k;
        return k;
    }

    void startAll() {
        for (long id = 1; id <= members.length; id++) start(id);
    }

    void stop(long id) {
        Keel k = members[(int) id - 1];
        members[(int) id - 1] = null;
        if (k != null) k.close();
    }

    List<Keel> running() {
        return Arrays.stream(members).filter(Objects::nonNull).toList();
    }

    /** Waits until one running member leads and every running member knows it; returns it. */
    Keel awaitLeader() {
        Keel[] leader = new Keel[1];
        Poll.until("one leader known to every running member", () -> {
            List<Keel> leaders = running().stream().filter(Keel::isLeader).toList();
            if (leaders.size() != 1) return false;
            long id = leaders.get(0).memberId();
            leader[0] = leaders.get(0);
            return running().stream().allMatch(k -> k.leaderId() == id);
        });
        return leader[0];
    }

    /** Puts through whichever member leads, retrying while leadership settles. */
    void put(String key, String value) {
        Poll.retrying("put " + key, () -> awaitLeader().put(key, value));
    }

    @Override
    public void close() {
        List<RuntimeException> failures = new ArrayList<>();
        for (long id = 1; id <= members.length; id++) {
            try {
                stop(id);
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) throw failures.get(0);
    }
}
