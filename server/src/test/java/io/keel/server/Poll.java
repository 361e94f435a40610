package io.keel.server;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Polls a condition until a generous deadline (a loaded 2-core machine may be slow; a correct one gets there). */
public final class Poll {
    static final Duration DEADLINE = Duration.ofSeconds(30);

    private Poll() {
    }

    public static void until(String what, BooleanSupplier condition) {
        until(what, DEADLINE, condition);
    }

    public static void until(String what, Duration deadline, BooleanSupplier condition) {
        until(what, deadline, condition, () -> "");
    }

    /** As above; on a timeout the failure also carries {@code diagnosis} (for example the logs of the processes). */
    public static void until(String what, Duration deadline, BooleanSupplier condition, Supplier<String> diagnosis) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                fail("not within " + deadline.toSeconds() + " s: " + what + diagnosis.get());
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos()); // a poll interval, not a wait for an event
        }
    }

    /**
     * Checks that {@code invariant} holds at every sample over {@code window}: for "this must not happen meanwhile",
     * where the window is set by the behaviour under test (for example several of a periodic check's rounds).
     */
    public static void holdsFor(String what, Duration window, BooleanSupplier invariant) {
        long end = System.nanoTime() + window.toNanos();
        while (System.nanoTime() - end < 0) {
            if (!invariant.getAsBoolean()) fail("stopped holding within " + window.toMillis() + " ms: " + what);
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos()); // a sampling interval
        }
    }

    /** Calls {@code action} until it returns without a retryable KeelException. */
    static <T> T retrying(String what, Supplier<T> action) {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            try {
                return action.get();
            } catch (KeelException e) {
                if (!e.retryable() || System.nanoTime() - end > 0) {
                    throw new AssertionError("not within " + DEADLINE.toSeconds() + " s: " + what, e);
                }
                LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            }
        }
    }
}
