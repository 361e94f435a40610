package io.keel.server.member;

import java.util.function.LongSupplier;

/**
 * Notices when the monotonic clock stood still while real time went on. {@code System.nanoTime} stops while a VM
 * or machine is suspended; the wall clock does not. A leader resumed after such a suspension would otherwise still
 * believe in a lease that its followers' guards have long outlived (issue 10 F), so a jump of the wall clock ahead
 * of the monotonic one ends the lease.
 *
 * <p>A wall clock stepped forward (NTP, an operator) looks the same and ends the lease too: harmless, the next
 * round earns it again. A wall clock stepped back is not a suspension and is ignored. Slewing moves both clocks
 * alike on Linux, so only steps and suspensions move their difference.
 */
final class ClockJumps {
    /**
     * Differences below this are reading noise (the wall clock counts milliseconds). A suspension shorter than this
     * goes unnoticed; it is far inside the drift margin the lease keeps (5% of the election timeout).
     */
    static final long TOLERANCE_NANOS = 5_000_000;
    /** Readings of the two clocks further apart than this are taken again (see {@link #offsetNow}). */
    private static final long READING_WINDOW_NANOS = 200_000;

    private final LongSupplier monotonicNanos;
    private final LongSupplier wallMillis;
    private long offset;

    ClockJumps(LongSupplier monotonicNanos, LongSupplier wallMillis) {
        this.monotonicNanos = monotonicNanos;
        this.wallMillis = wallMillis;
        this.offset = offsetNow();
    }

    static ClockJumps system() {
        return new ClockJumps(System::nanoTime, System::currentTimeMillis);
    }

    /** Whether the wall clock ran ahead of the monotonic clock since the last call (one thread calls this). */
    boolean jumpedSinceLastCheck() {
        long now = offsetNow();
        boolean jumped = now - offset > TOLERANCE_NANOS;
        offset = now;
        return jumped;
    }

    /** Wall time minus monotonic time as of the last check, in nanoseconds. */
    long offsetAtLastCheck() {
        return offset;
    }

    /**
     * Wall time minus monotonic time now, in nanoseconds. The wall clock is read between two readings of the
     * monotonic one, and read again if the thread was descheduled in between: a reading taken across a preemption
     * would look like a jump at the next check (seen on a loaded machine).
     */
    long offsetNow() {
        long before = 0;
        long wall = 0;
        long after = 0;
        for (int attempt = 0; attempt < 5; attempt++) {
            before = monotonicNanos.getAsLong();
            wall = wallMillis.getAsLong();
            after = monotonicNanos.getAsLong();
            if (after - before < READING_WINDOW_NANOS) break;
        }
        return wall * 1_000_000 - (before + (after - before) / 2);
    }

    /** The monotonic clock this compares. */
    long monotonicNanos() {
        return monotonicNanos.getAsLong();
    }
}
