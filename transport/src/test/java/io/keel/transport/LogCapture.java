package io.keel.transport;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects what the transport logs (System.Logger is backed by java.util.logging here). Holds its logger strongly:
 * java.util.logging forgets unreferenced loggers, and their handlers with them.
 */
final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger = Logger.getLogger("io.keel.transport");
    private final List<String> lines = new CopyOnWriteArrayList<>();

    LogCapture() {
        setLevel(Level.ALL);
        logger.addHandler(this);
    }

    @Override
    public void publish(LogRecord record) {
        lines.add(record.getLevel() + " " + record.getMessage());
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
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
