package io.keel.server.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

import java.util.Locale;

/** etcd's --log-level and --debug: the level of the launcher's log (the root logger of its logback). */
final class LoggingFlags {
    @Option(names = "--log-level", paramLabel = "<level>", description = "debug, info, warn, error, panic or fatal"
            + " (panic and fatal log errors only). Default: info, or the level in KEEL_LOGBACK's file.")
    String logLevel;

    @Option(names = "--debug", arity = "0..1", fallbackValue = "true", paramLabel = "<bool>",
            description = "The same as --log-level=debug (etcd's older flag).")
    Boolean debug;

    /** Sets the root level when one is asked for; refuses an unknown level before anything starts. */
    void apply() {
        Level level = null;
        if (logLevel != null) {
            level = switch (logLevel.trim().toLowerCase(Locale.ROOT)) {
                case "debug" -> Level.DEBUG;
                case "info" -> Level.INFO;
                case "warn" -> Level.WARN;
                case "error", "dpanic", "panic", "fatal" -> Level.ERROR;
                default -> throw LaunchException.usage("--log-level '" + logLevel + "': expected debug, info, warn,"
                        + " error, panic or fatal");
            };
        }
        if (Boolean.TRUE.equals(debug)) level = Level.DEBUG;
        if (level == null) return;
        // Only when logback is the binding (the distribution's); an embedding program keeps its own logging.
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(level);
        }
    }
}
