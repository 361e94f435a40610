package io.keel.server;

import io.keel.server.cli.FreePorts;
import io.keel.server.lease.LeaseKeepAlive;
import io.keel.server.watch.Watch;
import io.keel.server.watch.WatchOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19: the threads a member starts are daemon threads, close() ends every one of them (keep-alive handles the
 * program forgot included), and a member that fails to start leaves no thread or open database behind.
 */
class MemberLifecycleTest {

    @Test
    void closeEndsEveryThreadTheMemberStartedAndAllAreDaemons(@TempDir Path dir) throws Exception {
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        InetSocketAddress peer = FreePorts.loopback();
        Keel keel = builder(dir, peer).start();
        List<Thread> started;
        try {
            keel.awaitLeader(Duration.ofSeconds(30));
            keel.put("k", "v");
            try (Watch w = keel.watch(WatchOptions.prefix("k"), (events, upTo) -> { })) {
                keel.put("k", "w");
            }
            long lease = keel.grantLease(10).id();
            LeaseKeepAlive forgotten = keel.keepAlive(lease); // never closed by the program: close() does it
            Poll.until("the first keep-alive", () -> forgotten.lastTtl() > 0);
            assertEquals(Optional.of("w"), keel.get("k"));

            started = keelThreads(before);
            Set<String> names = new TreeSet<>();
            for (Thread t : started) {
                names.add(t.getName());
                assertTrue(t.isDaemon(), t.getName() + " is not a daemon thread");
            }
            for (String job : List.of("keel-raft-", "keel-apply-", "keel-read-", "keel-lessor-", "keel-transport-",
                    "keel-watch-", "keel-announce-", "keel-keepalive-", "keel-log-sync")) {
                assertTrue(names.stream().anyMatch(n -> n.startsWith(job)), job + " missing from " + names);
            }
        } finally {
            keel.close();
        }
        Poll.until("every thread the member started has ended", () -> started.stream().noneMatch(Thread::isAlive));
    }

    @Test
    void aMemberThatFailsToStartLeavesNothingBehind(@TempDir Path dir) throws Exception {
        InetSocketAddress peer = FreePorts.loopback();
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        try (ServerSocket taken = new ServerSocket()) {
            taken.setReuseAddress(true);
            taken.bind(peer);
            assertThrows(RuntimeException.class, () -> builder(dir, peer).start(), "the peer port is taken");
        }
        Poll.until("no thread of the failed start is left",
                () -> keelThreads(before).stream().noneMatch(Thread::isAlive));
        // Its data directory was released: the same member starts on it (RocksDB would refuse a second opener).
        try (Keel again = builder(dir, peer).start()) {
            again.put("k", "v");
            assertEquals(Optional.of("v"), again.get("k"));
        }
    }

    /**
     * A second close waits for the first: a member that failed closes itself from a thread of its own, and the
     * launcher's close right after must not return (and let it exit the JVM) while the storage is still closing
     * (RocksDB then aborted the process: the fault suite's full disk, exit 134 instead of 1). The first close is held
     * up by the raft thread, which it waits for.
     */
    @Test
    void aSecondCloseReturnsOnlyOnceTheFirstHasStoppedTheMember(@TempDir Path dir) throws Exception {
        Keel keel = builder(dir, FreePorts.loopback()).start();
        CountDownLatch release = new CountDownLatch(1);
        try {
            keel.awaitLeader(Duration.ofSeconds(30));
            RaftThreadHold.until(keel, release);
            Thread first = new Thread(keel.member()::close, "first close");
            first.start();
            Poll.until("the first close waits for the raft thread", () -> first.getState() == Thread.State.WAITING);
            Thread second = new Thread(keel.member()::close, "second close");
            second.start();
            Poll.until("the second close waits or returns", () -> second.getState() == Thread.State.WAITING
                    || second.getState() == Thread.State.TERMINATED);
            assertEquals(Thread.State.WAITING, second.getState(), "the second close returned while the first ran");
            release.countDown();
            Poll.until("both closes return once the member stopped",
                    () -> !first.isAlive() && !second.isAlive());
        } finally {
            release.countDown();
            keel.close();
        }
    }

    private static Keel.Builder builder(Path dir, InetSocketAddress peer) {
        return Keel.builder().id(0x7e57).dataDir(dir.resolve("member")).listen(peer)
                .initialCluster(Map.of(0x7e57L, peer)).initialClusterToken("lifecycle")
                .tickInterval(Duration.ofMillis(10)).electionTimeout(Duration.ofMillis(800))
                .heartbeatInterval(Duration.ofMillis(80)).requestTimeout(Duration.ofSeconds(30));
    }

    /** Threads named keel-* that did not exist before. */
    private static List<Thread> keelThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.getName().startsWith("keel-")).toList();
    }
}
