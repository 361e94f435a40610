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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
     * A second close() waits for the first: a member that failed is closed by a stopper thread of its own, and the
     * launcher's close() that returned at once let the JVM exit while RocksDB was still closing (exit code 134, not
     * fail-stop's 1). Here the first close is held inside (its raft thread held, so it waits to join it); the second,
     * once it returns, must find the data directory released.
     */
    @Test
    void aSecondCloseReturnsOnlyOnceTheFirstHasReleasedTheDataDirectory(@TempDir Path dir) throws Exception {
        InetSocketAddress peer = FreePorts.loopback();
        Keel keel = builder(dir, peer).start();
        CountDownLatch release = new CountDownLatch(1);
        Thread first = new Thread(keel::close, "test-first-close");
        try {
            keel.put("k", "v");
            RaftThreadHold.until(keel, release);
            first.start();
            Poll.until("the first close has begun", () -> isStopped(keel));
            AtomicReference<Throwable> restartFailure = new AtomicReference<>();
            Thread second = new Thread(() -> {
                keel.member().close();
                try (Keel again = builder(dir, peer).start()) {
                    again.get("k");
                } catch (Throwable t) {
                    restartFailure.set(t);
                }
            }, "test-second-close");
            second.start();
            Poll.until("the second close waits or has returned",
                    () -> second.getState() == Thread.State.WAITING || !second.isAlive());
            release.countDown();
            second.join(TimeUnit.SECONDS.toMillis(60));
            assertFalse(second.isAlive(), "the second close returned once the first had finished");
            assertNull(restartFailure.get(), () -> "the data directory was still held when the second close returned: "
                    + restartFailure.get());
        } finally {
            release.countDown();
            first.join(TimeUnit.SECONDS.toMillis(60));
            keel.close();
        }
    }

    private static boolean isStopped(Keel keel) {
        try {
            keel.member().readSerializable(store -> 0);
            return false;
        } catch (MemberStoppedException e) {
            return true;
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
