package io.keel.server.member;

import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.ReadMode;
import io.keel.raft.Role;
import io.keel.raft.log.MemoryStorage;
import io.keel.raft.runtime.ReadAnswer;
import io.keel.server.Poll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The re-check after a lease read (ReadState's contract; issue 10 E), in the member runtime on the server's raft
 * thread and clock: the lease can end while the read executes (a leadership transfer starts, the member steps down,
 * the VM was suspended), and an answer executed after that could miss a newer leader's write, so the runtime
 * discards it and asks the node again. Here the VM "is suspended" while the first execution runs (the wall clock
 * jumps ahead of the monotonic one). Without the re-check in {@code MemberRuntime.execute} the first answer is
 * returned and the test fails.
 */
class LeaseReadRecheckTest {

    @Test
    void anAnswerExecutedAfterTheLeaseEndedIsDiscarded() throws Exception {
        AtomicLong wallSkewMillis = new AtomicLong();
        ClockJumps clocks = new ClockJumps(System::nanoTime, () -> System.currentTimeMillis() + wallSkewMillis.get());
        MemoryStorage disk = MemoryStorage.bootstrap(1);
        RaftNode node = new RaftNode(RaftConfig.defaults(1).withReadMode(ReadMode.LEASE), disk, System.nanoTime());
        try (LoopRuntime member = new LoopRuntime(node, Duration.ofMillis(10).toNanos(), LoopRuntime.memoryLog(disk),
                new MonotonicClock(clocks, 1))) {
            Poll.until("the single member leads and publishes a lease", () -> member.loop.softState().role()
                    == Role.LEADER && member.runtime.lease().expiresAt() != Long.MIN_VALUE);
            AtomicInteger executions = new AtomicInteger();
            LoopRuntime.Answer<ReadAnswer<Integer>> read = new LoopRuntime.Answer<>();
            member.onRaft(() -> {
                member.runtime.read(() -> {
                    int n = executions.incrementAndGet();
                    // The first execution is answered by the lease and runs across a suspension: it must not count.
                    if (n == 1) wallSkewMillis.set(10_000);
                    return n;
                }, Long.MAX_VALUE, read);
                return null;
            });
            assertEquals(2, read.result.get(60, TimeUnit.SECONDS).value(), "the answer comes from the second execution");
            assertEquals(2, executions.get());
        }
    }
}
