package io.keel.server;

/** A linearizable read could not be confirmed (no leader known, or leadership lost meanwhile). Retry shortly. */
public final class ReadRejectedException extends KeelException {
    /** With a message saying what happened (created by the member; callers only catch it). */
    public ReadRejectedException(String message) {
        super(message);
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
