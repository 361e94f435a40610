package io.keel.server.cli;

/** Stops the launcher with a one-line message (no stack trace) and an exit code from {@link ExitCodes}. */
final class LaunchException extends RuntimeException {
    private final int exitCode;

    LaunchException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    LaunchException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }

    static LaunchException usage(String message) {
        return new LaunchException(ExitCodes.USAGE, message);
    }
}
