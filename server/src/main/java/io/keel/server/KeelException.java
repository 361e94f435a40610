package io.keel.server;

/** A request the member could not carry out. {@link #retryable()} says whether trying again may succeed. */
public abstract class KeelException extends RuntimeException {
    /** A failure described by {@code message}. */
    protected KeelException(String message) {
        super(message);
    }

    /** A failure described by {@code message}, caused by {@code cause}. */
    protected KeelException(String message, Throwable cause) {
        super(message, cause);
    }

    /** True when the same request may succeed later (possibly at another member); false when it never will. */
    public abstract boolean retryable();
}
