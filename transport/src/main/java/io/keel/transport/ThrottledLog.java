package io.keel.transport;

import java.lang.System.Logger.Level;
import java.util.function.Supplier;

/**
 * Warnings caused by what peers send (refusals, bad input). A misbehaving or hostile peer can cause thousands a
 * second; a token bucket keeps the log readable and says how many were left out.
 */
final class ThrottledLog {
    private static final int BURST = 20;
    private static final long REFILL_NANOS = 500_000_000L; // one more line every half second

    private final System.Logger logger;
    private int tokens = BURST;
    private long lastRefill = System.nanoTime();
    private long suppressed;

    ThrottledLog(System.Logger logger) {
        this.logger = logger;
    }

    void warn(Supplier<String> message) {
        long left;
        synchronized (this) {
            long now = System.nanoTime();
            long earned = (now - lastRefill) / REFILL_NANOS;
            if (earned > 0) {
                tokens = (int) Math.min(BURST, tokens + earned);
                lastRefill += earned * REFILL_NANOS;
            }
            if (tokens == 0) {
                suppressed++;
                return;
            }
            tokens--;
            left = suppressed;
            suppressed = 0;
        }
        String text = message.get();
        logger.log(Level.WARNING, left == 0 ? text : text + " (" + left + " similar warnings suppressed)");
    }
}
