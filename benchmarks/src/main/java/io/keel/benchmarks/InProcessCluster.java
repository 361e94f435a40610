package io.keel.benchmarks;

import io.keel.server.Keel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A Keel cluster inside this JVM: members with real RocksDB under one temporary directory and the Netty peer
 * transport on 127.0.0.1 (ports picked free at start). Timing settings are Keel's defaults (10 ms tick, 100 ms
 * heartbeat, 1 s election timeout), as a deployed cluster would run. {@link #close()} stops every member and
 * deletes the directory.
 */
public final class InProcessCluster implements AutoCloseable {
    private static final Duration LEADER_DEADLINE = Duration.ofSeconds(60);

    private final Path root;
    private final List<Keel> members = new ArrayList<>();

    private InProcessCluster(Path root) {
        this.root = root;
    }

    /** Starts {@code size} members and returns once one of them leads, every member knows it, and it serves reads. */
    public static InProcessCluster start(int size) {
        InProcessCluster c = new InProcessCluster(TempDirs.create("keel-cluster"));
        try {
            Map<Long, InetSocketAddress> peers = new LinkedHashMap<>();
            for (long id = 1; id <= size; id++) peers.put(id, freeAddress());
            for (long id = 1; id <= size; id++) {
                c.members.add(Keel.builder().id(id).dataDir(c.root.resolve("member-" + id)).listen(peers.get(id))
                        .initialCluster(peers).initialClusterToken("keel-bench").start());
            }
            c.awaitLeader();
            return c;
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    public List<Keel> members() {
        return List.copyOf(members);
    }

    /**
     * Waits (polling, up to a minute) until one member leads, every member names it, and a linearizable read
     * succeeds there (the leader has committed an entry of its term); returns it.
     */
    public Keel awaitLeader() {
        long deadline = System.nanoTime() + LEADER_DEADLINE.toNanos();
        while (true) {
            Keel leader = currentLeader();
            if (leader != null && readable(leader)) return leader;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no leader known to all " + members.size() + " members within "
                        + LEADER_DEADLINE.toSeconds() + " s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private Keel currentLeader() {
        List<Keel> leaders = members.stream().filter(Keel::isLeader).toList();
        if (leaders.size() != 1) return null;
        long id = leaders.get(0).memberId();
        return members.stream().allMatch(k -> k.leaderId() == id) ? leaders.get(0) : null;
    }

    private static boolean readable(Keel k) {
        try {
            k.get("keel-bench-warm-up");
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    public static InetSocketAddress freeAddress() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (Keel k : members) {
            try {
                k.close();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
            }
        }
        members.clear();
        TempDirs.delete(root);
        if (failure != null) throw failure;
    }
}
