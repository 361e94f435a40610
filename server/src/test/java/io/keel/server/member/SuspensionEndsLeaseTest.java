package io.keel.server.member;

import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.ReadMode;
import io.keel.raft.Ready;
import io.keel.raft.Role;
import io.keel.raft.log.MemoryStorage;
import io.keel.server.Poll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The raft thread ends the lease when the wall clock jumps ahead of the monotonic one (a suspended VM; issue 10 F):
 * a single-member leader in LEASE mode, whose wall clock is moved ahead by 10 s, publishes no lease until a round
 * started after the jump confirms it again. Without RaftLoop's check the published lease never lapses (each round
 * extends it before the last one ends), and the poll below times out.
 */
class SuspensionEndsLeaseTest {

    @Test
    void aWallClockJumpEndsThePublishedLeaderLeaseUntilTheNextRound() {
        AtomicLong wallSkewMillis = new AtomicLong();
        ClockJumps clocks = new ClockJumps(System::nanoTime, () -> System.currentTimeMillis() + wallSkewMillis.get());
        MemoryStorage disk = MemoryStorage.bootstrap(1);
        RaftConfig config = RaftConfig.defaults(1).withReadMode(ReadMode.LEASE)
                .withTimeouts(Duration.ofMillis(500), Duration.ofMillis(400));
        RaftNode node = new RaftNode(config, disk, System.nanoTime());
        RaftLoop loop = new RaftLoop(node, Duration.ofMillis(10).toNanos(), clocks);
        loop.start(r -> persistAndApply(node, disk, r), Throwable::printStackTrace);
        try {
            Poll.until("the single member leads and publishes a lease",
                    () -> loop.softState().role() == Role.LEADER && loop.lease().expiresAt() != Long.MIN_VALUE);
            wallSkewMillis.set(10_000); // the monotonic clock stood still for ten seconds of real time
            Poll.until("the published lease lapses after the jump", Duration.ofSeconds(10),
                    () -> loop.lease().expiresAt() == Long.MIN_VALUE);
            long jumpNoticedBy = System.nanoTime();
            Poll.until("a round after the jump earns the lease again",
                    () -> loop.lease().expiresAt() != Long.MIN_VALUE);
            assertTrue(loop.lease().expiresAt() - config.leaseDuration() >= jumpNoticedBy - Duration.ofMillis(500).toNanos(),
                    "the new lease counts from a round sent after the jump");
        } finally {
            loop.stop();
        }
    }

    /** The raft thread's Ready handling, done inline: a single member on an in-memory disk. */
    private static void persistAndApply(RaftNode node, MemoryStorage disk, Ready r) {
        if (!r.entries().isEmpty()) disk.append(r.entries());
        if (r.hardState() != null) disk.setHardState(r.hardState());
        node.persisted(r);
        if (!r.committedEntries().isEmpty()) {
            node.applied(r.committedEntries().get(r.committedEntries().size() - 1).getIndex());
        }
    }
}
