package io.keel.server.grpc;

import io.keel.server.Keel;
import io.keel.server.NotLeaderException;
import io.keel.server.concurrent.NamedThreads;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * etcd's leader monitor for streams opened with {@code hasleader: true} (clientv3.WithRequireLeader; etcdctl's watch
 * opens its stream so): once this member has known no leader at {@value #CHECKS} checks in a row, one per election
 * timeout, each such stream is ended with UNAVAILABLE "etcdserver: no leader". Its client then moves to a member that
 * still has a quorum instead of waiting, unaware, on one that can tell it nothing new: a member cut off from the
 * majority says so rather than look healthy.
 */
final class LeaderLossMonitor implements AutoCloseable {
    /** etcd's maxNoLeaderCnt. */
    static final int CHECKS = 3;

    private final Keel keel;
    private final Set<Consumer<RuntimeException>> streams = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;
    private int leaderlessChecks; // timer thread only

    LeaderLossMonitor(Keel keel) {
        this.keel = keel;
        this.timer = Executors.newSingleThreadScheduledExecutor(
                NamedThreads.single("keel-grpc-" + Long.toHexString(keel.memberId()) + "-leader-monitor"));
        Duration period = keel.electionTimeout();
        timer.scheduleAtFixedRate(this::check, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Watches a stream: {@code end} is called once, from the monitor's thread, when the member has lost its leader;
     * it must end the stream through the stream's own serialization. Running the returned action stops watching (the
     * stream ended on its own).
     */
    Runnable register(Consumer<RuntimeException> end) {
        streams.add(end);
        return () -> streams.remove(end);
    }

    private void check() {
        if (keel.leaderId() != 0) {
            leaderlessChecks = 0;
            return;
        }
        if (++leaderlessChecks < CHECKS) return;
        NotLeaderException noLeader = new NotLeaderException(keel.memberId(), 0, "no leader for " + CHECKS
                + " election timeouts of " + keel.electionTimeout().toMillis() + " ms");
        for (Consumer<RuntimeException> end : streams) {
            if (streams.remove(end)) end.accept(noLeader);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
