package io.keel.server.tls;

import org.slf4j.Logger;

/**
 * The client port's refusal lines, rate-limited as the transport's are: anyone who reaches the port can cause a
 * refusal per connection, so a burst of 20 lines, then two a second, and the next line says how many were left out.
 */
final class RefusalLog {
    private static final int BURST = 20;
    private static final long REFILL_NANOS = 500_000_000L;

    private final Logger logger;
    private int tokens = BURST;
    private long lastRefill = System.nanoTime();
    private long suppressed;

    RefusalLog(Logger logger) {
        this.logger = logger;
    }

    void refused(Object remote, String reason) {
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
        logger.warn("client port refused a TLS connection from {}: {}{}", remote, reason,
                left == 0 ? "" : " (" + left + " more refusals not logged)");
    }
}
