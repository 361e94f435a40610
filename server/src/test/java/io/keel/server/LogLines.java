package io.keel.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects the lines members in this JVM log (every module logs through SLF4J; tests bind it to logback). */
final class LogLines extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final List<String> lines = new CopyOnWriteArrayList<>();

    LogLines() {
        start();
        root.addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent event) {
        lines.add(event.getLevel() + " " + event.getFormattedMessage());
    }

    /** The first line containing all fragments, or null. */
    String find(String... fragments) {
        for (String line : lines) {
            boolean all = true;
            for (String f : fragments) all &= line.contains(f);
            if (all) return line;
        }
        return null;
    }

    String await(String... fragments) {
        Poll.until("a log line containing " + List.of(fragments), Poll.DEADLINE, () -> find(fragments) != null,
                () -> "lines with the first fragment:\n" + String.join("\n",
                        lines.stream().filter(l -> l.contains(fragments[0])).limit(20).toList()));
        return find(fragments);
    }

    @Override
    public void close() {
        root.detachAppender(this);
        stop();
    }
}
