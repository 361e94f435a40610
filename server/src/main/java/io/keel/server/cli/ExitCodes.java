package io.keel.server.cli;

/** The launcher's exit codes (docs/operations.md lists them). */
public final class ExitCodes {
    /** Stopped cleanly: SIGTERM or Ctrl-C, or --help/--version. */
    public static final int OK = 0;
    /** The member stopped after a failure while running (fail-stop, e.g. a failed fsync), or an unexpected error. */
    public static final int FAILED = 1;
    /** A bad command line or config file: nothing was started or changed. */
    public static final int USAGE = 2;
    /** The data directory was refused (another member's or cluster's data, or none where data is expected). */
    public static final int DATA_DIR_REFUSED = 3;
    /** An address to listen on could not be bound (in use, or not this machine's). */
    public static final int CANNOT_LISTEN = 4;

    /**
     * An offline tool refused its input or an unsafe action: a snapshot file that is empty, truncated, damaged or
     * not Keel's; a recovery while an old member still answers. Nothing was written.
     */
    public static final int REFUSED = 5;

    private ExitCodes() {
    }
}
