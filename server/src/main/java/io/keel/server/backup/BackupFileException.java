package io.keel.server.backup;

/** A snapshot file that cannot be used: empty, truncated, damaged, or not a Keel snapshot. The message says which. */
public final class BackupFileException extends RuntimeException {
    public BackupFileException(String message) {
        super(message);
    }

    public BackupFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
