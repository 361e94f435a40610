package io.keel.transport;

import org.slf4j.Logger;

import java.util.function.Supplier;

/**
 * Warnings caused by what peers send (refusals, bad input). A misbehaving or hostile peer can cause thousands a
 * second; a {@link LogBudget} keeps the log readable and says how many were left out.
 */
final class ThrottledLog {
    private final Logger logger;
    /** The member whose warnings these are: every line names it. */
    private final String member;
    private final LogBudget budget = new LogBudget();

    ThrottledLog(Logger logger, long localId) {
        this.logger = logger;
        this.member = Texts.id(localId);
    }

    void warn(Supplier<String> message) {
        long left = budget.take();
        if (left < 0) return;
        String text = message.get();
        if (left == 0) logger.warn("member {}: {}", member, text);
        else logger.warn("member {}: {} ({} similar warnings suppressed)", member, text, left);
    }
}
