package io.keel.server.tls;

import io.keel.transport.LogBudget;
import org.slf4j.Logger;

/**
 * The client port's refusal lines, rate-limited as the transport's are: anyone who reaches the port can cause a
 * refusal per connection, so a burst of 20 lines, then two a second, and the next line says how many were left out.
 */
final class RefusalLog {
    private final Logger logger;
    private final LogBudget budget = new LogBudget();

    RefusalLog(Logger logger) {
        this.logger = logger;
    }

    void refused(Object remote, String reason) {
        long left = budget.take();
        if (left < 0) return;
        logger.warn("client port refused a TLS connection from {}: {}{}", remote, reason,
                left == 0 ? "" : " (" + left + " more refusals not logged)");
    }
}
