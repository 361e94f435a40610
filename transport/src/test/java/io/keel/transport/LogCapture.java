package io.keel.transport;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects what the transport logs: its SLF4J lines, through logback (the test binding), from INFO up. */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final Logger logger = (Logger) LoggerFactory.getLogger("io.keel.transport");
    private final List<String> lines = new CopyOnWriteArrayList<>();

    LogCapture() {
        start();
        logger.addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent event) {
        lines.add(event.getLevel() + " " + event.getFormattedMessage());
    }

    /** Whether one logged line contains all the fragments. */
    boolean has(String... fragments) {
        for (String line : lines) {
            boolean all = true;
            for (String f : fragments) all &= line.contains(f);
            if (all) return true;
        }
        return false;
    }

    void awaitLine(String... fragments) {
        Await.until(() -> has(fragments), () -> "a log line containing " + List.of(fragments) + "; got:\n"
                + String.join("\n", lines));
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        stop();
    }
}
