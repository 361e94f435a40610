package io.keel.server.member;

import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.ReadMode;
import io.keel.raft.Role;
import io.keel.raft.log.MemoryStorage;
import io.keel.server.Poll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The member runtime ends the lease when the wall clock jumps ahead of the monotonic one (a suspended VM; issue 10
 * F), checked through the server's {@link MonotonicClock} on the raft thread: a single-member leader in LEASE mode,
 * whose wall clock is moved ahead by 10 s, publishes no lease until a round started after the jump confirms it
 * again. Without {@code MemberRuntime.noticeSuspension}'s check the published lease never lapses (each round extends
 * it before the last one ends), and the poll below times out.
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
        try (LoopRuntime member = new LoopRuntime(node, Duration.ofMillis(10).toNanos(), LoopRuntime.memoryLog(disk),
                new MonotonicClock(clocks, 1))) {
            Poll.until("the single member leads and publishes a lease", () -> member.loop.softState().role()
                    == Role.LEADER && member.runtime.lease().expiresAt() != Long.MIN_VALUE);
            wallSkewMillis.set(10_000); // the monotonic clock stood still for ten seconds of real time
            Poll.until("the published lease lapses after the jump", Duration.ofSeconds(10),
                    () -> member.runtime.lease().expiresAt() == Long.MIN_VALUE);
            long jumpNoticedBy = System.nanoTime();
            Poll.until("a round after the jump earns the lease again",
                    () -> member.runtime.lease().expiresAt() != Long.MIN_VALUE);
            assertTrue(member.runtime.lease().expiresAt() - config.leaseDuration()
                            >= jumpNoticedBy - Duration.ofMillis(500).toNanos(),
                    "the new lease counts from a round sent after the jump");
        }
    }
}
