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

    /** Wall time minus monotonic time now, in nanoseconds. */
    long offsetNow() {
        return wallMillis.getAsLong() * 1_000_000 - monotonicNanos.getAsLong();
    }

    /** The monotonic clock this compares. */
    long monotonicNanos() {
        return monotonicNanos.getAsLong();
    }
}
