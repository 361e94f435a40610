package io.keel.transport;

import org.slf4j.Logger;

import java.util.function.Supplier;

/**
 * Warnings caused by what peers send (refusals, bad input). A misbehaving or hostile peer can cause thousands a
 * second; a token bucket keeps the log readable and says how many were left out.
 */
final class ThrottledLog {
    private static final int BURST = 20;
    private static final long REFILL_NANOS = 500_000_000L; // one more line every half second

    private final Logger logger;
    /** The member whose warnings these are: every line names it. */
    private final String member;
    private int tokens = BURST;
    private long lastRefill = System.nanoTime();
    private long suppressed;

    ThrottledLog(Logger logger, long localId) {
        this.logger = logger;
        this.member = Texts.id(localId);
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
        if (left == 0) logger.warn("member {}: {}", member, text);
        else logger.warn("member {}: {} ({} similar warnings suppressed)", member, text, left);
    }
}
