package io.keel.server.member;

import io.keel.raft.runtime.Clock;
import io.keel.raft.runtime.PublishedLeaderLease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member runtime's {@link Clock}: the monotonic clock {@link ClockJumps} compares, and its suspension check.
 * {@code System.nanoTime} stands still while a VM is suspended, so the runtime asks, before it ticks and before it
 * publishes a lease, whether the wall clock ran ahead meanwhile; if so the leader lease ends until a new round
 * confirms it (issue 10 F). The runtime asks from its raft stage only, as ClockJumps requires (one thread checks).
 * A lease read about to be answered on a read thread compares the offset with the one its lease was published with,
 * so a suspension right after the publication is caught before the raft stage's next check.
 */
final class MonotonicClock implements Clock {
    private static final Logger LOG = LoggerFactory.getLogger(MonotonicClock.class);

    private final ClockJumps clocks;
    private final long memberId;

    MonotonicClock(ClockJumps clocks, long memberId) {
        this.clocks = clocks;
        this.memberId = memberId;
    }

    @Override
    public long now() {
        return clocks.monotonicNanos();
    }

    @Override
    public boolean mayHaveStoppedSinceLastCheck() {
        if (!clocks.jumpedSinceLastCheck()) return false;
        LOG.warn("member {}: the wall clock jumped ahead of the monotonic clock (a suspended VM or a clock step):"
                + " the leader lease ends until a new round confirms it", Long.toHexString(memberId));
        return true;
    }

    /** The wall-minus-monotonic offset as of the raft stage's last check, which a published lease carries. */
    @Override
    public long suspensionMark() {
        return clocks.offsetAtLastCheck();
    }

    /**
     * Any thread (a read about to be answered by lease): whether the wall clock ran ahead of the monotonic one since
     * {@code mark}, the offset a lease was published with.
     */
    @Override
    public boolean mayHaveStoppedSince(long mark) {
        return clocks.offsetNow() - mark > ClockJumps.TOLERANCE_NANOS;
    }

    /**
     * Any thread: whether {@code lease}, as the runtime published it, still holds in {@code term} now, and this
     * clock did not stand still since it was published: the check the runtime makes of a lease read after it ran,
     * for a caller outside the runtime (the lessor, before it proposes an expiry).
     */
    boolean holds(PublishedLeaderLease lease, long term) {
        return lease.holds(term, now()) && !mayHaveStoppedSince(lease.clockMark());
    }
}
